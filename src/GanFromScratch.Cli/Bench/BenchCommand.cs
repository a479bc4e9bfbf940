using System.CommandLine;
using System.Text.Json;
using GanFromScratch.Engine;
using GanFromScratch.Gan;
using GanFromScratch.Kernels.Cpu;
using GanFromScratch.Kernels.Cuda;
using Spectre.Console;

namespace GanFromScratch.Cli.Bench;

/// <summary><c>gfs bench</c>: the engine's GEMM against OpenBLAS, the convolutions of gan_mnist.py, and whole training iterations.</summary>
internal static class BenchCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var threads = new Option<int>("--threads")
        {
            Description = "CPU threads for gfs and for OpenBLAS (default: every core).",
            DefaultValueFactory = _ => Environment.ProcessorCount,
        };
        CommonOptions.AtLeast(threads, 1);
        var json = new Option<bool>("--json") { Description = "Print one JSON object per shape instead of a table." };
        var shapes = new Option<string[]>("--shape")
        {
            Description = "Shapes to time, MxNxK[:nn|nt|tn|tt] (C is MxN, K the inner dimension; nt = A·Bᵀ). " +
                          "Default: the products of a GAN step with 512-wide layers and batch 256, and 1024³.",
            AllowMultipleArgumentsPerToken = true,
        };
        var rounds = new Option<int>("--rounds")
        {
            Description = "Alternating rounds per shape; the medians are reported.",
            DefaultValueFactory = _ => 9,
        };
        CommonOptions.AtLeast(rounds, 1);

        var gemmDevice = DeviceChoice.Option();
        gemmDevice.DefaultValueFactory = _ => "cpu";
        gemmDevice.Description = $"Where to run the engine's GEMM: {Engine.Device.Choices} (default cpu). On the CPU it is timed against " +
                                 "OpenBLAS; elsewhere alone (compare with tools/bench/gemm_torch.py on the same GPU).";
        var kernel = new Option<string>("--kernel")
        {
            Description = "ILGPU devices (cuda, ilgpu-cpu) only: which GEMM kernel runs. auto (default) takes 'wide' " +
                          "(8×8 of C per thread, 128×128 per group) when that still gives every multiprocessor a group, else " +
                          "'narrow' (4×4 per thread, 64×64 per group).",
            DefaultValueFactory = _ => "auto",
        };
        kernel.AcceptOnlyFromAmong("auto", "narrow", "wide");
        var gemm = new Command("gemm",
            "Time the engine's GEMM against OpenBLAS (cblas_sgemm) on the same data, alternating the two, and print the medians' GFLOP/s, their ratio, and the lowest and highest of the rounds' own ratios (how much the machine moved).\n\n" +
            "Examples:\n  gfs bench gemm\n  gfs bench gemm --threads 1 --json\n  gfs bench gemm --shape 1024x1024x1024 256x512x512:nt\n" +
            "  gfs bench gemm --device cuda --shape 1024x1024x1024 4096x4096x4096 --json\n" +
            "  gfs bench gemm --device cuda --kernel narrow --shape 1024x1024x1024")
        {
            threads, json, shapes, rounds, gemmDevice, kernel,
        };
        gemm.SetAction(parse =>
        {
            var list = (parse.GetValue(shapes) is { Length: > 0 } given ? given.Select(GemmShape.Parse) : GemmShape.GanStep).ToArray();
            int t = parse.GetValue(threads);
            CpuParallel.Threads = t;
            bool asJson = parse.GetValue(json);
            using var chosen = DeviceChoice.Use(parse.GetValue(gemmDevice)!, asJson ? TextWriter.Null : stdout);
            var backend = Engine.Device.Default;
            bool onCpu = backend is CpuBackend;
            string kernelName = parse.GetValue(kernel)!;
            if (backend is IlgpuBackend ilgpu) ilgpu.GemmKernel = Enum.Parse<GemmKernelChoice>(kernelName, ignoreCase: true);
            else if (kernelName != "auto")
            {
                stderr.WriteLine($"gfs: --kernel {kernelName} chooses among the ILGPU GEMM kernels; the {backend.Name} backend has one. Use --device cuda or ilgpu-cpu, or leave --kernel out.");
                return GfsApp.Usage;
            }
            OpenBlas? blas = null;
            if (onCpu)
            {
                blas = OpenBlas.TryLoad(out var problem);
                if (blas is null) stderr.WriteLine($"gfs: {problem} Timing gfs alone.");
                else blas.Threads = t;
            }
            // Progress goes to a terminal only; piped or captured output stays clean.
            bool progress = !asJson && ReferenceEquals(stderr, Console.Error) && !Console.IsErrorRedirected;
            var results = new List<GemmResult>();
            foreach (var shape in list)
            {
                if (progress) stderr.Write($"\rtiming {shape.Size} {shape.Op} ({results.Count + 1}/{list.Length})...   ");
                var r = onCpu ? GemmBench.Run(shape, blas, parse.GetValue(rounds), secondsPerRound: 0.1)
                              : GemmBench.RunOnDevice(shape, backend, parse.GetValue(rounds), secondsPerRound: 0.1);
                results.Add(r);
                if (asJson) stdout.WriteLine(ToJson(r, t, backend.Name, backend is IlgpuBackend ? kernelName : null,
                    (backend as IlgpuBackend)?.PlanGemm(shape.M, shape.N, 1).ToString()));
            }
            if (!asJson)
            {
                if (progress) stderr.Write("\r" + new string(' ', 60) + "\r");
                PrintTable(results, t, stdout);
            }
            return GfsApp.Ok;
        });

        return new Command("bench", "Benchmarks for users: how fast the engine's kernels are on this machine.") { gemm, TrainStepCommand(stdout, stderr), ConvCommand(stdout, stderr) };
    }

    private static Command ConvCommand(TextWriter stdout, TextWriter stderr)
    {
        var iters = new Option<int>("--iters") { Description = "Timed calls per layer and pass (the median is reported).", DefaultValueFactory = _ => 20 };
        CommonOptions.AtLeast(iters, 1);
        var batch = new Option<int>("--batch-size") { Description = "Images per batch.", DefaultValueFactory = _ => 50 };
        CommonOptions.AtLeast(batch, 1);
        var threads = new Option<int>("--threads") { Description = "CPU threads (default: every core).", DefaultValueFactory = _ => Environment.ProcessorCount };
        CommonOptions.AtLeast(threads, 1);
        var json = new Option<bool>("--json") { Description = "Print one JSON object per layer instead of a table." };
        var text = new Option<bool>("--text")
        {
            Description = "Time the text model's 1-D convolutions instead (gan_language.py's at DIM 64, batch 64), each both ways: as a 2-D " +
                          "convolution of height 1 (what gfs computes) and as shifted copies of the sequence times the weights.",
        };
        var device = DeviceChoice.Option();
        var command = new Command("conv",
            "Time the convolutions of gan_mnist.py (DIM 64): the critic's three 5×5 stride-2 convolutions and the generator's three transposed ones, " +
            "forward alone and forward + backward (input and weight gradients), in milliseconds (medians). tools/bench/conv_torch.py times the same in PyTorch.\n\n" +
            "Examples:\n  gfs bench conv\n  gfs bench conv --json --threads 1\n  gfs bench conv --text --threads 1")
        {
            iters, batch, threads, json, text, device,
        };
        command.SetAction(parse =>
        {
            int t = parse.GetValue(threads);
            CpuParallel.Threads = t;
            using var chosen = DeviceChoice.Use(parse.GetValue(device)!, parse.GetValue(json) ? stderr : stdout);
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(stdout) });
            bool ofText = parse.GetValue(text);
            int b = ofText && !CommonOptions.Given(parse, batch) ? 64 : parse.GetValue(batch);
            var table = new Table().Title($"{(ofText ? "gan_language.py" : "gan_mnist.py")} convolutions, batch {b}, {t} thread(s)");
            table.AddColumns("layer", "input", "weight", "forward ms", "forward+backward ms");
            foreach (var c in ofText ? ConvCase.Text(b) : ConvCase.GanMnist(b))
            {
                var (forward, backward) = ConvBench.Run(c, parse.GetValue(iters), warmup: 2);
                if (parse.GetValue(json))
                    stdout.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
                    {
                        ["layer"] = c.Name, ["input"] = c.Input, ["weight"] = c.Weight, ["threads"] = t,
                        ["forward_ms"] = Math.Round(forward, 3), ["backward_ms"] = Math.Round(backward, 3),
                    }));
                else
                    table.AddRow(c.Name, Markup.Escape(Shapes.Format(c.Input)), Markup.Escape(Shapes.Format(c.Weight)), $"{forward:F2}", $"{backward:F2}");
            }
            if (!parse.GetValue(json)) console.Write(table);
            return GfsApp.Ok;
        });
        return command;
    }

    private static Command TrainStepCommand(TextWriter stdout, TextWriter stderr)
    {
        var variant = new Option<string>("--variant") { Description = $"Variant: {string.Join(", ", Registry.Names)}.", DefaultValueFactory = _ => "wgan-gp" };
        variant.AcceptOnlyFromAmong([.. Registry.Names]);
        var dataset = new Option<string>("--dataset")
        {
            Description = "toy: gan_toy.py's MLPs on 2-D points; fashion-mnist: the image networks (gan_mnist.py's for wgan-gp) on random 28×28 images " +
                          "(the pixels do not change the cost, so the dataset need not be installed); text: gan_language.py's networks on random lines of 32 " +
                          "characters over a vocabulary of 103 (the fortunes').",
            DefaultValueFactory = _ => "toy",
        };
        dataset.AcceptOnlyFromAmong("toy", "fashion-mnist", "text");
        var dim = new Option<int?>("--dim") { Description = $"Width of both networks (default: 512 hidden units for toy, DIM 64 for images, {TrainConfig.TextDefaultDim} for text)." };
        CommonOptions.AtLeast(dim, 1);
        var batch = new Option<int?>("--batch-size") { Description = "Batch size (default: 256 for toy, 50 for images, 64 for text)." };
        CommonOptions.AtLeast(batch, 1);
        var iters = new Option<int>("--iters") { Description = "Timed generator iterations (the median is reported).", DefaultValueFactory = _ => 20 };
        CommonOptions.AtLeast(iters, 1);
        var warmup = new Option<int>("--warmup") { Description = "Untimed iterations first.", DefaultValueFactory = _ => 3 };
        CommonOptions.AtLeast(warmup, 0);
        var threads = new Option<int>("--threads") { Description = "CPU threads (default: every core).", DefaultValueFactory = _ => Environment.ProcessorCount };
        CommonOptions.AtLeast(threads, 1);
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of a sentence." };
        var against = new Option<string?>("--against")
        {
            Description = "Another variant to time in the same process, an iteration of each in turn (with the same data, width and batch): " +
                          "prints both medians and the median ratio — what one variant costs over another, free of the drift between runs.",
        };
        against.AcceptOnlyFromAmong([.. Registry.Names]);
        var spectralNorm = new Option<string?>("--spectral-norm")
        {
            Description = "Spectral normalization of the timed variant's critic, generator or both, or none (default: the variant's; --against " +
                          "keeps its own): with --against the same variant, what it costs.",
        };
        spectralNorm.AcceptOnlyFromAmong(SpectralNormalization.Choices);
        var gemmShapes = new Option<bool>("--gemm-shapes")
        {
            Description = "Also list the iteration's GEMMs by shape: calls, milliseconds and GFLOP/s of each (the products worth making faster next).",
        };
        var device = DeviceChoice.Option();
        var command = new Command("train-step",
            "Time one generator iteration of a variant — its critic steps, then one generator step (wgan-gp, the default: five critic " +
            "steps with the gradient penalty) — on the variant's networks for the data: gan_toy.py's MLPs on toy points, its image " +
            "networks (gan_mnist.py's for wgan-gp) on random 28×28 images with --dataset fashion-mnist, gan_language.py's on text; " +
            "print the median in milliseconds. tools/bench/toy_train_step.py, mnist_train_step.py, text_train_step.py and " +
            "variant_train_step.py time the same in PyTorch.\n\n" +
            "Examples:\n  gfs bench train-step --json\n  gfs bench train-step --threads 1 --iters 50\n  gfs bench train-step --variant wgan --dim 256\n" +
            "  gfs bench train-step --dataset fashion-mnist --iters 10\n" +
            "  gfs bench train-step --dataset fashion-mnist --threads 1 --gemm-shapes\n" +
            "  gfs bench train-step --dataset text --iters 10   (tools/bench/text_train_step.py: the same in PyTorch)\n" +
            "  gfs bench train-step --variant cgan --against gan --dataset fashion-mnist --iters 40\n" +
            "  gfs bench train-step --spectral-norm critic --against wgan-gp --threads 1\n" +
            "  mpirun -np 2 gfs bench train-step --batch-size 512 --threads 1   (data parallel: each rank computes 256 rows; rank 0 prints)")
        {
            variant, dataset, dim, batch, iters, warmup, threads, json, against, spectralNorm, gemmShapes, device,
        };
        command.SetAction(parse =>
        {
            string name = parse.GetValue(variant)!;
            var v = Registry.Get(name);
            int t = CommonOptions.ApplyThreads(parse, threads, parse.GetValue(json) ? stderr : stdout);
            using var chosen = DeviceChoice.Use(parse.GetValue(device)!, parse.GetValue(json) ? stderr : stdout);
            var defaults = TrainConfig.Defaults(v, parse.GetValue(dataset) switch { "fashion-mnist" => "fashion-mnist", "text" => GanFromScratch.Gan.Data.Datasets.Text, _ => "8gaussians" });
            var config = defaults with
            {
                Dim = parse.GetValue(dim) ?? defaults.Dim, BatchSize = parse.GetValue(batch) ?? defaults.BatchSize,
                SpectralNorm = parse.GetValue(spectralNorm) ?? defaults.SpectralNorm,
            };
            config.Validate();
            using var ranks = Distributed.Ranks.Open(requested: false);
            if (ranks.Size > 1)
            {
                if (parse.GetValue(against) is not null) throw new UsageException("--against times two variants in one process; leave it out under mpirun.");
                var (distributedMs, exchangeMs) = TrainStepBench.Run(config, parse.GetValue(warmup), parse.GetValue(iters), ranks);
                if (ranks.Rank != 0) return GfsApp.Ok;
                if (parse.GetValue(json))
                    stdout.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
                    {
                        ["variant"] = name, ["dataset"] = parse.GetValue(dataset)!, ["dim"] = config.Dim, ["batch"] = config.BatchSize, ["ranks"] = ranks.Size,
                        ["threads"] = t, ["ms_per_iter"] = Math.Round(distributedMs, 2), ["ms_exchange_per_iter"] = Math.Round(exchangeMs, 2),
                    }));
                else
                    stdout.WriteLine($"{name} ({parse.GetValue(dataset)}), dim {config.Dim}, batch {config.BatchSize} on {ranks.Size} ranks ({config.BatchSize / ranks.Size} rows each), " +
                                     $"{t} thread(s) per rank: {distributedMs:F1} ms per generator iteration (median of {parse.GetValue(iters)}), " +
                                     $"of which {exchangeMs:F1} ms (mean) averaging gradients on rank 0, waits for the other ranks included.");
                return GfsApp.Ok;
            }
            if (parse.GetValue(against) is { } other)
            {
                var otherDefaults = TrainConfig.Defaults(Registry.Get(other), config.Dataset);
                var reference = otherDefaults with { Dim = config.Dim, BatchSize = config.BatchSize };
                reference.Validate();
                var (ms, msVariant, ratio) = TrainStepBench.Alternate(reference, config, parse.GetValue(warmup), parse.GetValue(iters));
                if (parse.GetValue(json))
                    stdout.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
                    {
                        ["variant"] = name, ["spectral_norm"] = config.SpectralNorm, ["against"] = other, ["dataset"] = parse.GetValue(dataset)!, ["dim"] = config.Dim, ["batch"] = config.BatchSize,
                        ["threads"] = t, ["ms_per_iter"] = Math.Round(msVariant, 2), ["against_ms_per_iter"] = Math.Round(ms, 2), ["median_ratio"] = Math.Round(ratio, 3),
                    }));
                else
                {
                    string timed = config.SpectralNorm == SpectralNormalization.None ? name : $"{name} (spectral norm: {config.SpectralNorm})";
                    stdout.WriteLine($"{timed}: {msVariant:F1} ms per generator iteration, {other}: {ms:F1} ms (medians of {parse.GetValue(iters)}, alternated); " +
                                     $"{timed} / {other}: {ratio:F3} (the median of the rounds' ratios).");
                }
                return GfsApp.Ok;
            }
            var (median, _) = TrainStepBench.Run(config, parse.GetValue(warmup), parse.GetValue(iters));
            double peakMb = Device.Default.PeakLiveBytes / (1024.0 * 1024.0);
            // The calls of one iteration, and the time in each kind of call over as many as were timed.
            var counted = TrainStepBench.CountKernels(config);
            var timedCalls = TrainStepBench.CountKernels(config, parse.GetValue(iters));
            var kinds = counted.Counts.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal).ToList();
            var times = timedCalls.Milliseconds.ToDictionary(m => m.Key, m => Math.Round(m.Value / parse.GetValue(iters), 3))
                .OrderByDescending(m => m.Value).ToList();
            var products = parse.GetValue(gemmShapes) ? timedCalls.GemmsByShape : null;
            if (parse.GetValue(json))
            {
                var result = new Dictionary<string, object>
                {
                    ["variant"] = name, ["dataset"] = parse.GetValue(dataset)!, ["dim"] = config.Dim, ["batch"] = config.BatchSize, ["threads"] = t,
                    ["ms_per_iter"] = Math.Round(median, 2), ["buffer_peak_mib"] = Math.Round(peakMb, 3),
                    ["kernels_per_iter"] = counted.Kernels, ["calls_per_iter"] = kinds.ToDictionary(c => c.Key, c => c.Value),
                    ["ms_per_iter_by_kind"] = times.ToDictionary(m => m.Key, m => m.Value),
                };
                if (products is not null)
                    result["gemms"] = products.Select(g => new Dictionary<string, object>
                    {
                        ["shape"] = g.Shape.Size, ["op"] = g.Shape.Op, ["epilogue"] = g.Shape.Epilogue, ["calls_per_iter"] = g.Calls / parse.GetValue(iters),
                        ["ms_per_iter"] = Math.Round(g.Milliseconds / parse.GetValue(iters), 3), ["gflops"] = Math.Round(g.Gflops, 1),
                    }).ToList();
                stdout.WriteLine(JsonSerializer.Serialize(result));
            }
            else
            {
                stdout.WriteLine($"{name} ({parse.GetValue(dataset)}), dim {config.Dim}, batch {config.BatchSize}, {t} thread(s): {median:F1} ms per generator iteration " +
                                 $"(median of {parse.GetValue(iters)}; buffers held at most {peakMb:F1} MiB), {counted.Kernels} kernel calls ({string.Join(", ", kinds.Select(c => $"{c.Key} {c.Value}"))}); " +
                                 $"ms per iteration by kind: {string.Join(", ", times.Select(m => $"{m.Key} {m.Value:F2}"))}.");
                if (products is not null) PrintProducts(products, parse.GetValue(iters), stdout);
            }
            return GfsApp.Ok;
        });
        return command;
    }

    private static string ToJson(GemmResult r, int threads, string device, string? kernel, string? launch) => JsonSerializer.Serialize(new Dictionary<string, object?>
    {
        ["device"] = device,
        ["kernel"] = kernel,
        ["launch"] = launch,
        ["shape"] = r.Shape.Size,
        ["op"] = r.Shape.Op,
        ["threads"] = threads,
        ["gfs_gflops"] = Math.Round(r.GfsGflops, 2),
        ["openblas_gflops"] = r.OpenBlasGflops is { } o ? Math.Round(o, 2) : null,
        ["ratio"] = r.Ratio is { } q ? Math.Round(q, 3) : null,
        ["round_ratios"] = r.RoundRatios is { } rr ? new[] { Math.Round(rr.Low, 3), Math.Round(rr.High, 3) } : null,
        ["max_abs_diff"] = r.MaxDifference,
    });

    /// <summary>The GEMMs of the timed iterations by shape, the costliest first, per iteration.</summary>
    private static void PrintProducts(IReadOnlyList<Kernels.GemmProductTime> products, int iterations, TextWriter stdout)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(stdout) });
        var table = new Table().Title("GEMMs of one iteration by shape (C m×n = op(A)·op(B) over k; kernels timed one by one)");
        table.AddColumns("shape (m×n×k)", "op", "epilogue", "calls", "ms", "GFLOP/s");
        foreach (var g in products)
            table.AddRow(g.Shape.Size, g.Shape.Op, g.Shape.Epilogue ? "yes" : "", $"{(double)g.Calls / iterations:0.#}",
                $"{g.Milliseconds / iterations:F2}", $"{g.Gflops:F1}");
        console.Write(table);
    }

    private static void PrintTable(List<GemmResult> results, int threads, TextWriter stdout)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(stdout) });
        var table = new Table().Title($"GEMM float32, {threads} thread(s), GFLOP/s, medians");
        table.AddColumns("shape (m×n×k)", "op", "gfs", "OpenBLAS", "gfs / OpenBLAS", "rounds' ratios");
        foreach (var r in results)
            table.AddRow(r.Shape.Size, r.Shape.Op, $"{r.GfsGflops:F1}", r.OpenBlasGflops is { } o ? $"{o:F1}" : "—",
                r.Ratio is { } q ? $"{q:F2}×" : "—", r.RoundRatios is { } rr ? $"{rr.Low:F2}–{rr.High:F2}" : "—");
        console.Write(table);
    }
}
