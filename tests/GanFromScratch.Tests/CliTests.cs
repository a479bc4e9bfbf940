using System.Text.Json;

namespace GanFromScratch.Tests;

/// <summary>The gfs command line: output formats, help and bad usage.</summary>
public class CliTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => Gfs.Run(args);

    [Fact]
    public void Bench_gemm_json_prints_one_object_per_shape()
    {
        var (code, output, _) = Run("bench", "gemm", "--json", "--rounds", "1", "--threads", "1", "--shape", "16x8x4", "32x32x32:nt");
        Assert.Equal(0, code);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        using var first = JsonDocument.Parse(lines[0]);
        Assert.Equal("16x8x4", first.RootElement.GetProperty("shape").GetString());
        Assert.True(first.RootElement.GetProperty("gfs_gflops").GetDouble() > 0);
        using var second = JsonDocument.Parse(lines[1]);
        Assert.Equal("nt", second.RootElement.GetProperty("op").GetString());
        var openblas = second.RootElement.GetProperty("openblas_gflops");
        if (openblas.ValueKind != JsonValueKind.Null)
        {
            // Both computed the same product.
            Assert.True(second.RootElement.GetProperty("max_abs_diff").GetDouble() < 1e-4);
            // The ratio is gfs over OpenBLAS (computed before the GFLOP/s were rounded to 2 decimals).
            double ratio = second.RootElement.GetProperty("ratio").GetDouble();
            double fromRounded = second.RootElement.GetProperty("gfs_gflops").GetDouble() / openblas.GetDouble();
            Assert.True(Math.Abs(ratio - fromRounded) <= 0.01 * ratio + 0.002, $"ratio {ratio}, gfs/openblas {fromRounded}");
            // The rounds' own ratios: the lowest, then the highest.
            var rounds = second.RootElement.GetProperty("round_ratios");
            double low = rounds[0].GetDouble(), high = rounds[1].GetDouble();
            Assert.True(low > 0 && low <= high, $"round ratios {low}–{high}");
        }
    }

    [Fact]
    public void Bench_gemm_table_names_the_contenders()
    {
        var (code, output, _) = Run("bench", "gemm", "--rounds", "1", "--shape", "8x8x8");
        Assert.Equal(0, code);
        Assert.Contains("8x8x8", output);
        Assert.Contains("OpenBLAS", output);
    }

    [Theory]
    [InlineData("narrow")]
    [InlineData("wide")]
    public void Bench_gemm_on_an_ilgpu_device_runs_the_chosen_kernel_and_checks_it(string kernel)
    {
        var (code, output, _) = Run("bench", "gemm", "--device", "ilgpu-cpu", "--kernel", kernel, "--json", "--rounds", "1", "--shape", "40x24x9:tn");
        Assert.Equal(0, code);
        using var result = JsonDocument.Parse(output.Trim());
        Assert.Equal(kernel, result.RootElement.GetProperty("kernel").GetString());
        Assert.Equal("ilgpu-cpu", result.RootElement.GetProperty("device").GetString());
        Assert.True(result.RootElement.GetProperty("max_abs_diff").GetDouble() < 1e-5);
    }

    /// <summary>What a GPU machine runs instead of the GPU tests (it has no .NET SDK): every kernel case, then seeded training iterations.</summary>
    [Fact]
    public void Devices_check_compares_every_kernel_and_training_iterations_with_the_cpu()
    {
        var (code, output, err) = Run("devices", "--check", "--device", "ilgpu-cpu");
        Assert.True(code == 0, err + output);
        Assert.Matches(@"All \d+ cases agree\.", output);
        Assert.Contains("All 16 losses agree.", output);
        Assert.Contains("images DIM 1, batch 2", output);

        var cpu = Run("devices", "--check", "--device", "cpu");
        Assert.Equal(2, cpu.Code);
        Assert.Contains("give --device cuda:N or ilgpu-cpu", cpu.Err);
    }

    [Fact]
    public void A_gemm_kernel_choice_on_the_cpu_is_refused()
    {
        var (code, _, err) = Run("bench", "gemm", "--kernel", "wide", "--shape", "8x8x8");
        Assert.Equal(2, code);
        Assert.Contains("--kernel wide", err);
    }

    [Theory]
    [InlineData("bench", "gemm", "--kernel", "fastest")]
    [InlineData("bench", "gemm", "--threads", "0")]
    [InlineData("bench", "gemm", "--rounds", "-1")]
    [InlineData("bench", "gemm", "--no-such-option")]
    [InlineData("no-such-command")]
    public void Bad_usage_exits_with_2_and_says_why(params string[] args)
    {
        var (code, _, err) = Run(args);
        Assert.Equal(2, code);
        Assert.Contains("gfs:", err);
    }

    [Fact]
    public void A_malformed_shape_is_refused_with_an_example()
    {
        var (code, _, err) = Run("bench", "gemm", "--shape", "12x12");
        Assert.Equal(2, code);
        Assert.Contains("MxNxK", err);
    }

    /// <summary>Every command's path below the root: train, train wgan-gp, bench gemm, ….</summary>
    public static TheoryData<string> CommandPaths()
    {
        var paths = new TheoryData<string>();
        void Walk(System.CommandLine.Command command, string path)
        {
            foreach (var sub in command.Subcommands)
            {
                string here = path.Length == 0 ? sub.Name : $"{path} {sub.Name}";
                paths.Add(here);
                Walk(sub, here);
            }
        }
        Walk(GanFromScratch.Cli.GfsApp.Commands(TextWriter.Null, TextWriter.Null), "");
        return paths;
    }

    [Theory]
    [MemberData(nameof(CommandPaths))]
    public void Every_command_answers_help_with_its_usage_even_without_its_required_options(string path)
    {
        var (code, output, err) = Run([.. path.Split(' '), "--help"]);
        Assert.True(code == 0, $"gfs {path} --help: exit {code}: {err}");
        var usage = output.Split('\n').SkipWhile(l => l != "Usage:").Skip(1).FirstOrDefault() ?? "";
        Assert.Contains($" {path}", usage); // the program's name before it is the test host's here
        Assert.Equal("", err);
    }

    [Fact]
    public void A_full_disk_is_explained_with_what_to_do()
    {
        var (message, code) = GanFromScratch.Cli.GfsApp.Explain(new IOException("No space left on device : '/runs/x/checkpoint.safetensors.tmp'", 28))!.Value;
        Assert.Equal(1, code);
        Assert.StartsWith("The disk is full (No space left on device", message);
        Assert.Contains("run the command again", message);
        Assert.Contains("--out ITS_FOLDER --resume", message);
        var (other, otherCode) = GanFromScratch.Cli.GfsApp.Explain(new IOException("Input/output error", 5))!.Value;
        Assert.Equal(("Input/output error", 1), (other, otherCode)); // other I/O failures as they are
    }

    [Fact]
    public void Help_shows_examples()
    {
        var (code, output, _) = Run("bench", "gemm", "--help");
        Assert.Equal(0, code);
        Assert.Contains("gfs bench gemm --threads 1 --json", output);
    }
}
