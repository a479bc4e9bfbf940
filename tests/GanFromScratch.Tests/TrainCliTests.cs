using System.Text.Json;

namespace GanFromScratch.Tests;

/// <summary>gfs train / sample / bench train-step from the command line: outputs, resume, and every refusal.</summary>
public sealed class TrainCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gfs-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args) => Gfs.Run(args);

    private string Out => Path.Combine(_dir, "run");

    private static readonly string[] Tiny = ["--dim", "8", "--batch-size", "16", "--threads", "1"];

    private (int Code, string Out, string Err) Train(string variant, params string[] extra) =>
        Run(["train", variant, "--out", Path.Combine(Path.GetTempPath(), "unused"), .. Tiny, .. extra]);

    [Fact]
    public void Train_writes_the_run_folder_then_resume_extends_it_and_sample_reads_it()
    {
        var (code, output, err) = Run(["train", "wgan-gp", "--iters", "4", "--eval-every", "2", "--out", Out, .. Tiny]);
        Assert.True(code == 0, err);
        Assert.Contains("w1", output); // the summary table
        Assert.Matches(@"memory\s*│\s*\d+\.\d MiB at most in buffers on cpu", output);
        var lines = File.ReadAllLines(Path.Combine(Out, "metrics.jsonl"));
        Assert.Equal(2, lines.Length);
        using (var last = JsonDocument.Parse(lines[^1]))
        {
            Assert.Equal(4, last.RootElement.GetProperty("iter").GetInt32());
            Assert.InRange(last.RootElement.GetProperty("modes").GetInt32(), 0, 8);
            Assert.True(last.RootElement.GetProperty("w1").GetDouble() > 0);
        }
        Assert.True(File.Exists(Path.Combine(Out, "frames", "iter_000002.png")));
        Assert.True(File.Exists(Path.Combine(Out, "metrics.png")));
        Assert.Contains("\"variant\": \"wgan-gp\"", File.ReadAllText(Path.Combine(Out, "config.json")));

        (code, output, err) = Run(["train", "wgan-gp", "--out", Out, "--resume", "--iters", "6", "--threads", "1"]);
        Assert.True(code == 0, err);
        Assert.Contains("Resuming", output);
        Assert.Equal(3, File.ReadAllLines(Path.Combine(Out, "metrics.jsonl")).Length);

        string csv = Path.Combine(_dir, "samples.csv");
        (code, output, err) = Run("sample", "--checkpoint", Path.Combine(Out, "checkpoint.safetensors"), "-n", "5", "--out", csv);
        Assert.True(code == 0, err);
        var rows = File.ReadAllLines(csv);
        Assert.Equal("x,y", rows[0]);
        Assert.Equal(6, rows.Length);
        Assert.All(rows[1..], r => Assert.Equal(2, r.Split(',').Select(float.Parse).Count()));

        // More samples than a tensor or the machine holds: refused naming -n, before anything is written.
        string big = Path.Combine(_dir, "big.csv");
        // Over the tensor limit; and under it, more points than this machine's memory holds by the estimate (≥ 24·DIM bytes a point).
        long memory = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        string tooMany = Math.Min(1_000_000_000L, memory / (24 * 8) + 1).ToString();
        foreach (var (n, expected) in new[] { ("2147483647", "more than a tensor holds"), (tooMany, "of memory at once (an estimate)") })
        {
            (code, _, err) = Run("sample", "--checkpoint", Path.Combine(Out, "checkpoint.safetensors"), "-n", n, "--out", big);
            Assert.Equal(2, code);
            Assert.Contains(expected, err);
            Assert.Contains("give a smaller -n", err.Replace("give -n", "give a smaller -n"));
            Assert.False(File.Exists(big));
        }
    }

    [Theory]
    [InlineData("--iters", "0", "--iters")]
    [InlineData("--lr", "0", "--lr")]
    [InlineData("--lr", "-0.1", "--lr")]
    [InlineData("--clip", "0", "--clip")]
    [InlineData("--batch-size", "0", "--batch-size")]
    [InlineData("--critic-iters", "0", "--critic-iters")]
    [InlineData("--eval-every", "0", "--eval-every")]
    [InlineData("--dataset", "moons", "8gaussians, 25gaussians, swissroll (toy 2-D data), fashion-mnist, mnist (images)")]
    [InlineData("--sample-every", "0", "--sample-every")]
    public void Impossible_values_are_refused_naming_the_option(string option, string value, string expected)
    {
        var (code, _, err) = Train("wgan", option, value);
        Assert.Equal(2, code);
        Assert.Contains(expected, err);
    }

    [Theory]
    [InlineData("--beta1", "1", "--beta1 must be in [0, 1)")]
    [InlineData("--beta2", "-0.1", "--beta2 must be in [0, 1)")]
    [InlineData("--lr-g", "0", "--lr-g must be a positive number")]
    [InlineData("--lr-d", "-1e-4", "--lr-d must be a positive number")]
    [InlineData("--ema", "1", "or 0 for no average")]
    public void Impossible_optimizer_settings_are_refused_naming_the_option_and_nothing_is_written(string option, string value, string expected)
    {
        var (code, _, err) = Run(["train", "wgan-gp", option, value, "--iters", "1", "--out", Out, .. Tiny]);
        Assert.Equal(2, code);
        Assert.Contains(expected, err);
        Assert.False(Directory.Exists(Out));
    }

    [Theory]
    [InlineData("--beta1")]
    [InlineData("--beta2")]
    public void Betas_are_refused_for_a_variant_that_trains_with_rmsprop(string option)
    {
        var (code, _, err) = Run(["train", "wgan", option, "0.3", "--iters", "1", "--out", Out, .. Tiny]);
        Assert.Equal(2, code);
        Assert.Contains("wgan trains with RMSProp", err);
        Assert.False(Directory.Exists(Out));
    }

    [Fact]
    public void Learning_rates_and_betas_reach_each_players_optimizer_and_the_saved_settings()
    {
        var (code, _, err) = Run(["train", "wgan-gp", "--lr-g", "3e-4", "--lr-d", "2e-4", "--beta1", "0.1", "--beta2", "0.95",
            "--iters", "1", "--out", Out, .. Tiny]);
        Assert.True(code == 0, err);
        var config = Gan.Checkpoint.ReadConfig(Path.Combine(Out, "checkpoint.safetensors"));
        var trainer = TestRuns.LoadToy(Path.Combine(Out, "checkpoint.safetensors"));
        foreach (var (role, lr) in new[] { (Gan.Roles.Generator, 3e-4f), (Gan.Roles.Critic, 2e-4f) })
        {
            var adam = Assert.IsType<Nn.Adam>(trainer.Players[role].Optimizer);
            Assert.Equal((lr, 0.1f, 0.95f), (adam.LearningRate, adam.Beta1, adam.Beta2));
            Assert.Equal(lr, config.LrFor(role));
        }
        using var saved = JsonDocument.Parse(File.ReadAllText(Path.Combine(Out, "config.json")));
        Assert.Equal(0.1, saved.RootElement.GetProperty("beta1").GetDouble(), 6);
        Assert.Equal(0.95, saved.RootElement.GetProperty("beta2").GetDouble(), 6);
    }

    public static TheoryData<string> VariantNames() => [.. Gan.Registry.All.Select(v => v.Name)];

    [Theory]
    [MemberData(nameof(VariantNames))]
    public void A_variants_help_names_its_own_measures_pictures_data_and_networks(string name)
    {
        var variant = Gan.Registry.Get(name);
        var (code, output, _) = Run("train", name, "--help");
        Assert.Equal(0, code);
        string written = output[output.IndexOf("Writes into the run folder", StringComparison.Ordinal)..];
        written = written[..written.IndexOf("\n", StringComparison.Ordinal)];
        Assert.All(variant.MeasureNames, m => Assert.Contains(m, written));
        Assert.All(variant.PictureFiles, f => Assert.Contains(f.Split(' ')[0], written));
        Assert.Equal(variant.NeedsLabels, written.Contains("class_acc"));
        string dataset = output.Split('\n').Single(l => l.TrimStart().StartsWith("--dataset <"));
        Assert.Equal(variant.Accepts.Contains(Gan.Data.DataKind.Toy), dataset.Contains("8gaussians"));
        Assert.Equal(variant.Accepts.Contains(Gan.Data.DataKind.Toy) && !variant.NeedsLabels, dataset.Contains("swissroll"));
        Assert.Equal(variant.Accepts.Contains(Gan.Data.DataKind.Images), dataset.Contains("fashion-mnist"));
        Assert.Equal(variant.Accepts.Contains(Gan.Data.DataKind.Text), dataset.Contains("text"));
        string arch = output.Split('\n').Single(l => l.TrimStart().StartsWith("--arch <"));
        Assert.All(variant.Architectures, a => Assert.Contains(a, arch));
        Assert.All(Gan.ImageNetworks.Names.Except(variant.Architectures), a => Assert.DoesNotContain(a, arch));
    }

    [Fact]
    public void An_unknown_variant_lists_the_valid_ones()
    {
        var (code, _, err) = Run("train", "began");
        Assert.Equal(2, code);
        Assert.Contains("gan, lsgan, wgan, wgan-gp", err);
    }

    [Fact]
    public void A_non_empty_run_folder_needs_resume_or_force()
    {
        Directory.CreateDirectory(Out);
        File.WriteAllText(Path.Combine(Out, "metrics.jsonl"), "keep me\n");
        var (code, _, err) = Run(["train", "lsgan", "--iters", "1", "--out", Out, .. Tiny]);
        Assert.Equal(2, code);
        Assert.Contains("--force", err);
        Assert.Equal("keep me\n", File.ReadAllText(Path.Combine(Out, "metrics.jsonl")));

        (code, _, err) = Run(["train", "lsgan", "--iters", "1", "--out", Out, "--force", .. Tiny]);
        Assert.True(code == 0, err);
        Assert.Single(File.ReadAllLines(Path.Combine(Out, "metrics.jsonl")));
    }

    [Fact]
    public void Resume_refuses_a_missing_a_corrupt_and_a_mismatched_checkpoint_and_changes_nothing()
    {
        var (code, _, err) = Run(["train", "wgan", "--out", Out, "--resume", .. Tiny]);
        Assert.Equal(2, code);
        Assert.Contains("no checkpoint", err);

        Assert.Equal(0, Run(["train", "wgan", "--iters", "2", "--eval-every", "1", "--out", Out, .. Tiny]).Code);
        string checkpoint = Path.Combine(Out, "checkpoint.safetensors");
        string metrics = Path.Combine(Out, "metrics.jsonl");
        var metricsBefore = File.ReadAllText(metrics);

        (code, _, err) = Run(["train", "wgan-gp", "--out", Out, "--resume", "--iters", "3", "--threads", "1"]);
        Assert.Equal(2, code);
        Assert.Contains("is a wgan run, not wgan-gp", err);

        (code, _, err) = Run(["train", "wgan", "--out", Out, "--resume", "--dim", "32", "--iters", "3", "--threads", "1"]);
        Assert.Equal(2, code);
        Assert.Contains("--dim 8, not 32", err);

        var good = File.ReadAllBytes(checkpoint);
        File.WriteAllBytes(checkpoint, good[..(good.Length / 2)]);
        (code, _, err) = Run(["train", "wgan", "--out", Out, "--resume", "--iters", "3", "--threads", "1"]);
        Assert.Equal(2, code);
        Assert.Contains("not a valid safetensors file", err);
        Assert.Equal(good.Length / 2, new FileInfo(checkpoint).Length);
        Assert.Equal(metricsBefore, File.ReadAllText(metrics));
    }

    [Fact]
    public void Help_explains_the_generator_loss_and_the_penalty_weight()
    {
        var (code, output, _) = Run("train", "gan", "--help");
        Assert.Equal(0, code);
        Assert.Contains("non-saturating", output);
        Assert.Contains("gfs train gan --dataset 8gaussians", output);
        (_, output, _) = Run("train", "wgan-gp", "--help");
        Assert.Contains("Default 10 (the paper's) on images, 0.1 on the toy datasets, as the WGAN-GP authors' gan_toy.py", output);
        Assert.Contains("--lambda 10", output);
    }

    [Fact]
    public void Bench_train_step_prints_the_json_the_issue_names()
    {
        var (code, output, err) = Run("bench", "train-step", "--json", "--dim", "16", "--batch-size", "8", "--iters", "2", "--warmup", "0", "--threads", "1");
        Assert.True(code == 0, err);
        using var json = JsonDocument.Parse(output);
        Assert.Equal("wgan-gp", json.RootElement.GetProperty("variant").GetString());
        Assert.Equal(16, json.RootElement.GetProperty("dim").GetInt32());
        Assert.Equal(8, json.RootElement.GetProperty("batch").GetInt32());
        Assert.True(json.RootElement.GetProperty("ms_per_iter").GetDouble() > 0);
        Assert.True(json.RootElement.GetProperty("buffer_peak_mib").GetDouble() > 0);
        // Kernel calls of one iteration. Every pass through a toy MLP is 4 fused GEMMs (3 Linear +
        // ReLU, and the last Linear with its bias); a critic step passes the generator once and the
        // critic three times (real, fake, interpolates), the generator step each once. The data
        // goes up once and the losses come down once.
        var calls = json.RootElement.GetProperty("calls_per_iter");
        Assert.Equal((5 * 4 + 2) * 4, calls.GetProperty("gemm_epilogue").GetInt32());
        Assert.Equal(1, calls.GetProperty("upload").GetInt32());
        Assert.Equal(1, calls.GetProperty("download").GetInt32());
        Assert.Equal(calls.EnumerateObject().Where(c => c.Name is not ("upload" or "download")).Sum(c => c.Value.GetInt32()),
            json.RootElement.GetProperty("kernels_per_iter").GetInt32());
        // The time of every kind of call that was made, and of no other.
        var times = json.RootElement.GetProperty("ms_per_iter_by_kind");
        Assert.Equal(calls.EnumerateObject().Select(c => c.Name).Order(), times.EnumerateObject().Select(t => t.Name).Order());
        Assert.All(times.EnumerateObject(), t => Assert.True(t.Value.GetDouble() >= 0));
        Assert.True(times.GetProperty("gemm_epilogue").GetDouble() > 0);

        // Two variants in one process, alternated: cgan against gan.
        var pair = Run("bench", "train-step", "--json", "--variant", "cgan", "--against", "gan", "--dim", "8", "--batch-size", "8", "--iters", "3",
            "--warmup", "1", "--threads", "1");
        Assert.True(pair.Code == 0, pair.Err);
        using var pairJson = JsonDocument.Parse(pair.Out);
        Assert.Equal("gan", pairJson.RootElement.GetProperty("against").GetString());
        Assert.True(pairJson.RootElement.GetProperty("median_ratio").GetDouble() > 0);
        Assert.True(pairJson.RootElement.GetProperty("against_ms_per_iter").GetDouble() > 0);

        var images = Run("bench", "train-step", "--json", "--dataset", "fashion-mnist", "--dim", "2", "--batch-size", "4", "--iters", "1", "--warmup", "0", "--threads", "1");
        Assert.True(images.Code == 0, images.Err);
        using var imageJson = JsonDocument.Parse(images.Out);
        Assert.Equal("fashion-mnist", imageJson.RootElement.GetProperty("dataset").GetString());
        Assert.Equal(4, imageJson.RootElement.GetProperty("batch").GetInt32());
        Assert.Equal(2, Run("bench", "train-step", "--dataset", "cifar").Code);
    }

    /// <summary>
    /// --gemm-shapes lists one iteration's products by shape: their calls add up to the GEMM calls
    /// counted by kind, and an image iteration's convolutions appear as products with patch
    /// matrices (np: W·P(x), npᵀ: ∂y·P(x)ᵀ, tn→col2im: col2im(Wᵀ·U)).
    /// </summary>
    [Fact]
    public void Bench_train_step_lists_the_iterations_products_by_shape()
    {
        foreach (var (dataset, dim, ops) in new[] { ("toy", "16", new[] { "nn", "nt", "tn" }), ("fashion-mnist", "4", new[] { "np", "npᵀ", "tn→col2im" }) })
        {
            var (code, output, err) = Run("bench", "train-step", "--json", "--gemm-shapes", "--dataset", dataset, "--dim", dim, "--batch-size", "4",
                "--iters", "2", "--warmup", "0", "--threads", "1");
            Assert.True(code == 0, err);
            using var json = JsonDocument.Parse(output);
            var calls = json.RootElement.GetProperty("calls_per_iter");
            int counted = new[] { "gemm", "gemm_epilogue", "patch_gemm", "col2im_gemm" }.Sum(kind => calls.TryGetProperty(kind, out var v) ? v.GetInt32() : 0);
            var gemms = json.RootElement.GetProperty("gemms").EnumerateArray().ToList();
            Assert.Equal(counted, gemms.Sum(g => g.GetProperty("calls_per_iter").GetInt32()));
            Assert.All(gemms, g => Assert.Matches(@"^\d+x\d+x\d+$", g.GetProperty("shape").GetString()));
            Assert.All(ops, op => Assert.Contains(gemms, g => g.GetProperty("op").GetString() == op));
            Assert.True(gemms.All(g => g.GetProperty("ms_per_iter").GetDouble() >= 0));
        }
    }

    [Fact]
    public void Bench_conv_times_the_six_gan_mnist_layers()
    {
        var (code, output, err) = Run("bench", "conv", "--json", "--batch-size", "1", "--iters", "1", "--threads", "1");
        Assert.True(code == 0, err);
        var layers = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal(["critic.conv1", "critic.conv2", "critic.conv3", "generator.deconv1", "generator.deconv2", "generator.deconv3"],
            layers.Select(l => l.GetProperty("layer").GetString()));
        Assert.All(layers, l => Assert.True(l.GetProperty("backward_ms").GetDouble() > 0));

        // The table form: the shapes' brackets are text, not markup.
        var table = Run("bench", "conv", "--batch-size", "1", "--iters", "1", "--threads", "1");
        Assert.True(table.Code == 0, table.Err);
        Assert.Contains("[64, 1, 5, 5]", table.Out);
        Assert.Contains("critic.conv2", table.Out);
    }

    [Fact]
    public void A_diverging_run_exits_with_1_naming_the_iteration_and_keeps_the_last_good_checkpoint()
    {
        // With lr 100 every Adam step moves each weight by about 100: the critic's scores overflow within a few iterations (seen: 2).
        var (code, output, err) = Run(["train", "lsgan", "--lr", "100", "--iters", "50", "--eval-every", "1", "--out", Out, .. Tiny]);
        Assert.Equal(1, code);
        Assert.Matches("NaN or infinite at iteration [0-9]+", err);
        int failed = int.Parse(System.Text.RegularExpressions.Regex.Match(err, "iteration ([0-9]+)").Groups[1].Value);
        Assert.True(failed > 1, err); // so that there is a checkpoint to keep
        {
            Assert.Contains("last good checkpoint", err);
            var trainer = TestRuns.LoadToy(Path.Combine(Out, "checkpoint.safetensors"));
            Assert.Equal(failed - 1, trainer.Iteration);
            Assert.All(TestRuns.Weights(trainer), v => Assert.True(float.IsFinite(v)));
        }
    }

    [Fact]
    public void Devices_are_listed_and_bad_device_names_are_refused()
    {
        var (code, output, _) = Run("devices");
        Assert.Equal(0, code);
        Assert.Contains("cpu", output);
        Assert.Matches(@"cpu +\d+ cores \(\w+, (AVX-512: 12×32|AVX2: 6×16|no AVX2: 6×16) GEMM tiles\)", output);
        Assert.Contains("ilgpu-cpu", output);
        Assert.Contains("cuda", output);

        (code, _, var err) = Train("wgan", "--device", "tpu");
        Assert.Equal(2, code);
        Assert.Contains("auto, cpu, cuda, cuda:N, ilgpu-cpu", err);

        // No machine has 99 GPUs: refused with a message, whether or not CUDA is present.
        (code, _, err) = Train("wgan", "--device", "cuda:99", "--iters", "1");
        Assert.Equal(2, code);
        Assert.Contains("CUDA", err);
    }

    /// <summary>
    /// The CPU kernels of a machine without AVX-512 (6×16 GEMM tiles, AVX2 loops) agree with the CUDA
    /// kernels too: the check in a process where .NET leaves AVX-512 aside (on such a machine, the
    /// same check as CliTests'). Its GEMM shapes reach the AVX2 kernel of a panel's last rows (70 = 11·6 + 4).
    /// </summary>
    [Fact]
    public void Devices_check_agrees_on_the_avx2_kernels_too()
    {
        var avx2 = new Dictionary<string, string> { ["DOTNET_EnableAVX512"] = "0" };
        var listed = GfsProcess.Run(["devices"], avx2);
        Assert.Contains("AVX2: 6×16 GEMM tiles", listed.Out);
        var (code, output, err) = GfsProcess.Run(["devices", "--check", "--device", "ilgpu-cpu"], avx2);
        Assert.True(code == 0, err + output);
        Assert.Contains("col2im", output);
        Assert.Contains("70×40×13", output);
        Assert.Matches(@"All \d+ cases agree\.", output);
        Assert.Contains("All 16 losses agree.", output);
    }

    [Fact]
    public void Devices_ptx_writes_every_kernel_and_says_what_each_does()
    {
        string target = Path.Combine(_dir, "ptx");
        var (code, output, err) = Run("devices", "--ptx", target);
        Assert.True(code == 0, err + output);
        foreach (string kernel in Kernels.Cuda.IlgpuPtx.KernelNames)
            Assert.Contains(".entry", File.ReadAllText(Path.Combine(target, kernel + ".ptx")));
        Assert.Contains("GemmWide", output);
        Assert.DoesNotContain("yes", output); // no kernel spills to local memory
        // A file where the folder should go is refused.
        string file = Path.Combine(_dir, "a-file");
        File.WriteAllText(file, "");
        var refused = Run("devices", "--ptx", file);
        Assert.Equal(2, refused.Code);
        Assert.Contains("is a file", refused.Err);
    }

    [Fact]
    public void Bench_gemm_on_the_emulated_cuda_kernels_checks_the_result()
    {
        var (code, output, err) = Run("bench", "gemm", "--device", "ilgpu-cpu", "--json", "--rounds", "1", "--shape", "19x21x23:nt");
        Assert.True(code == 0, err);
        using var json = JsonDocument.Parse(output);
        Assert.Equal("ilgpu-cpu", json.RootElement.GetProperty("device").GetString());
        Assert.True(json.RootElement.GetProperty("max_abs_diff").GetDouble() < 1e-4);
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("openblas_gflops").ValueKind);
    }

    [Fact]
    public void Image_training_writes_sample_grids_and_fd_then_sample_and_eval_read_the_run()
    {
        string data = Path.Combine(_dir, "data");
        ImageDataTests.WriteTinyMnist(data, 70);
        string classifier = Path.Combine(_dir, "classifier.safetensors");
        var c = Run(["train", "classifier", "--dataset", "mnist", "--data", data, "--epochs", "1", "--out", classifier, "--threads", "1"]);
        Assert.True(c.Code == 0, c.Err + c.Out);
        Assert.Contains("Test accuracy", c.Out);

        var (code, output, err) = Run(["train", "wgan-gp", "--dataset", "mnist", "--data", data, "--iters", "2", "--dim", "2", "--batch-size", "4",
            "--critic-iters", "1", "--eval-every", "2", "--sample-every", "1", "--classifier", classifier, "--fd-samples", "8", "--out", Out, "--threads", "1"]);
        Assert.True(code == 0, err + output);
        Assert.Contains("(gan-mnist)", output);
        Assert.True(File.Exists(Path.Combine(Out, "frames", "iter_000001.png")));
        Assert.True(File.Exists(Path.Combine(Out, "frames", "iter_000002.png")));
        using (var last = JsonDocument.Parse(File.ReadAllLines(Path.Combine(Out, "metrics.jsonl"))[^1]))
            Assert.True(last.RootElement.GetProperty("fd").GetDouble() > 0);
        string checkpoint = Path.Combine(Out, "checkpoint.safetensors");

        var resumed = Run(["train", "wgan-gp", "--out", Out, "--resume", "--iters", "3", "--threads", "1"]);
        Assert.True(resumed.Code == 0, resumed.Err + resumed.Out);
        Assert.Equal(2, File.ReadAllLines(Path.Combine(Out, "metrics.jsonl")).Length);

        string grid = Path.Combine(_dir, "grid.png");
        var s = Run(["sample", "--checkpoint", checkpoint, "-n", "5", "--out", grid]);
        Assert.True(s.Code == 0, s.Err);
        Assert.True(new FileInfo(grid).Length > 100);
        Assert.Equal(2, Run(["sample", "--checkpoint", checkpoint, "--out", Path.Combine(_dir, "x.csv")]).Code);

        var e = Run(["eval", "--checkpoint", checkpoint, "--classifier", classifier, "-n", "8"]);
        Assert.True(e.Code == 0, e.Err);
        Assert.Contains("fd", e.Out);
        Assert.Contains("iteration 3", e.Out);
    }

    [Fact]
    public void Image_options_are_checked_before_anything_is_written()
    {
        var dcganOnToy = Run(["train", "dcgan", "--dataset", "8gaussians", "--out", Out]);
        Assert.Equal(2, dcganOnToy.Code);
        Assert.Contains("images", dcganOnToy.Err);
        var penaltyWithBatchNorm = Run(["train", "wgan-gp", "--dataset", "mnist", "--data", _dir, "--arch", "dcgan", "--out", Out]);
        Assert.Equal(2, penaltyWithBatchNorm.Code);
        Assert.Contains("batch norm", penaltyWithBatchNorm.Err);
        var unknownArch = Run(["train", "wgan-gp", "--dataset", "mnist", "--data", _dir, "--arch", "resnet", "--out", Out]);
        Assert.Equal(2, unknownArch.Code);
        Assert.Contains("gan-mnist, dcgan", unknownArch.Err);
        var noData = Run(["train", "wgan-gp", "--dataset", "mnist", "--out", Out]);
        Assert.Equal(2, noData.Code);
        Assert.Contains("--data", noData.Err);
        var missingFiles = Run(["train", "wgan-gp", "--dataset", "mnist", "--data", Path.Combine(_dir, "nothing"), "--out", Out]);
        Assert.Equal(2, missingFiles.Code);
        Assert.Contains("train-images-idx3-ubyte", missingFiles.Err);
        string broken = Path.Combine(_dir, "broken");
        ImageDataTests.WriteTinyMnist(broken, 10);
        string labels = Path.Combine(broken, "train-labels-idx1-ubyte");
        File.WriteAllBytes(labels, File.ReadAllBytes(labels)[..^3]);
        var truncated = Run(["train", "wgan-gp", "--dataset", "mnist", "--data", broken, "--out", Out]);
        Assert.Equal(2, truncated.Code);
        Assert.Contains(labels, truncated.Err);
        Assert.Contains("truncated", truncated.Err);
        var truncatedClassifier = Run(["train", "classifier", "--dataset", "mnist", "--data", broken, "--out", Path.Combine(_dir, "c.safetensors")]);
        Assert.Equal(2, truncatedClassifier.Code);
        Assert.Contains("truncated", truncatedClassifier.Err);
        Assert.False(Directory.Exists(Out));
    }

    [Fact]
    public void Sample_refuses_a_file_that_is_not_a_checkpoint()
    {
        string bad = Path.Combine(_dir, "bad.safetensors");
        File.WriteAllText(bad, "garbage");
        var (code, _, err) = Run("sample", "--checkpoint", bad, "--out", Path.Combine(_dir, "x.csv"));
        Assert.Equal(2, code);
        Assert.Contains("not a valid safetensors file", err);
        Assert.False(File.Exists(Path.Combine(_dir, "x.csv")));
    }
}
