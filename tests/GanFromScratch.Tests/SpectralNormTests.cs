using System.Text.Json;
using GanFromScratch.Engine;
using GanFromScratch.Kernels;
using GanFromScratch.Kernels.Cpu;
using GanFromScratch.Nn;

namespace GanFromScratch.Tests;

/// <summary>
/// Spectral normalization against PyTorch's spectral_norm (Golden/spectral_norm.json, from
/// tools/golden/spectral_norm.py, in double) on Linear, Conv2d and ConvTranspose2d, on the CPU and
/// on the ILGPU emulator: the training forward's output, updated u and v, σ̂, gradients and second
/// derivatives; the evaluation forward. σ̂ against a singular value decomposition; the buffers.
/// </summary>
public class SpectralNormTests(IlgpuFixture fixture) : IClassFixture<IlgpuFixture>
{
    private static readonly JsonElement Golden = GoldenFiles.Json("spectral_norm.json");

    public static TheoryData<string, bool> Layers()
    {
        var data = new TheoryData<string, bool>();
        foreach (var c in Golden.GetProperty("layers").EnumerateArray())
            foreach (bool emulated in new[] { false, true }) data.Add(c.GetProperty("name").GetString()!, emulated);
        return data;
    }

    private static float[] Floats(JsonElement e) => e.EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();
    private static int[] Ints(JsonElement e) => e.EnumerateArray().Select(v => v.GetInt32()).ToArray();

    private static Module Make(string name, RandomStream random) => name switch
    {
        "linear" => new Linear(3, 4, random).WithSpectralNorm(random),
        "conv2d" => new Conv2d(2, 3, 3, random, stride: 1, padding: 1).WithSpectralNorm(random),
        "conv_transpose2d" => new ConvTranspose2d(3, 2, 4, random, stride: 2, padding: 1).WithSpectralNorm(random),
        _ => throw new ArgumentException(name),
    };

    private static (Tensor Weight, Tensor Bias, SpectralNorm Sn) Parts(Module m) => m switch
    {
        Linear l => (l.Weight, l.Bias!, l.SpectralNorm!),
        ConvolutionLayer c => (c.Weight, c.Bias!, c.SpectralNorm!),
        _ => throw new ArgumentException(m.GetType().Name),
    };

    [Theory]
    [MemberData(nameof(Layers))]
    public void A_training_forward_matches_pytorch_with_its_gradients_and_second_derivatives(string name, bool emulated)
    {
        var c = Golden.GetProperty("layers").EnumerateArray().Single(l => l.GetProperty("name").GetString() == name);
        Backend backend = emulated ? fixture.Backend : CpuBackend.Instance;
        using var _ = Device.Use(backend);
        var layer = Make(name, new RandomStream(1));
        var (weight, bias, sn) = Parts(layer);
        weight.Load(Floats(c.GetProperty("weight")));
        bias.Load(Floats(c.GetProperty("bias")));
        sn.U.Load(Floats(c.GetProperty("u0")));
        sn.V.Load(Floats(c.GetProperty("v0")));
        var x = Tensor.FromArray(Floats(c.GetProperty("input")), Ints(c.GetProperty("input_shape"))).RequiresGrad_();

        var y = layer.Forward(x);
        Assert.Equal(Ints(c.GetProperty("output_shape")), y.Shape);
        Close("output", Floats(c.GetProperty("output")), y.ToArray());
        Close("u", Floats(c.GetProperty("u1")), sn.U.ToArray());
        Close("v", Floats(c.GetProperty("v1")), sn.V.ToArray());
        Close("σ̂", [(float)c.GetProperty("sigma").GetDouble()], [SpectralNorm.Sigma(sn.Matrix(weight), sn.U, sn.V).Item()]);

        var w = Tensor.FromArray(Floats(c.GetProperty("w")), y.Shape);
        var grads = Autograd.Grad([(y * w).Sum()], [x, weight], createGraph: true);
        Close("gradient of the input", Floats(c.GetProperty("grad_input")), grads[0]!.ToArray());
        Close("gradient of the weight", Floats(c.GetProperty("grad_weight")), grads[1]!.ToArray());
        var ux = Tensor.FromArray(Floats(c.GetProperty("u_input")), x.Shape);
        var uw = Tensor.FromArray(Floats(c.GetProperty("u_weight")), weight.Shape);
        var second = Autograd.Grad([(grads[0]! * ux).Sum() + (grads[1]! * uw).Sum()], [x, weight]);
        Close("second derivative of the input", Floats(c.GetProperty("second_input")), second[0]!.ToArray());
        Close("second derivative of the weight", Floats(c.GetProperty("second_weight")), second[1]!.ToArray());

        layer.Eval();
        var u = sn.U.ToArray();
        using (Autograd.NoGrad()) Close("evaluation output", Floats(c.GetProperty("output_eval")), layer.Forward(x).ToArray());
        Assert.Equal(u, sn.U.ToArray()); // evaluation leaves u (and v) as they are
    }

    [Fact]
    public void Sigma_approaches_the_largest_singular_value_and_the_normalized_weight_tends_to_norm_1()
    {
        var m = Golden.GetProperty("matrix");
        var singular = Floats(m.GetProperty("singular_values"));
        var layer = new Linear(7, 5, new RandomStream(3), bias: false).WithSpectralNorm(new RandomStream(4));
        layer.Weight.Load(Floats(m.GetProperty("values")));
        var x = Tensor.Zeros(1, 7);
        float Sigma() => SpectralNorm.Sigma(layer.SpectralNorm!.Matrix(layer.Weight), layer.SpectralNorm.U, layer.SpectralNorm.V).Item();
        using (Autograd.NoGrad()) layer.Forward(x);
        float afterOne = Sigma();
        Assert.True(afterOne <= singular[0] * (1 + 1e-5f), $"σ̂ {afterOne} after one iteration exceeds σ₁ {singular[0]}"); // uᵀWv ≤ σ₁ for unit u, v
        using (Autograd.NoGrad())
            for (int i = 0; i < 200; i++) layer.Forward(x);
        float sigma = Sigma();
        Assert.True(Math.Abs(sigma - singular[0]) <= 1e-4f * singular[0], $"σ̂ {sigma}, σ₁ from the SVD {singular[0]}");
        Assert.True(Math.Abs(singular[0] / sigma - 1) <= 1e-4f, "the largest singular value of W/σ̂ is σ₁/σ̂");
        Assert.True(Math.Abs(afterOne - singular[0]) > Math.Abs(sigma - singular[0]), "the iterations bring σ̂ closer");
    }

    [Fact]
    public void U_and_v_are_buffers_saved_with_the_state_and_not_trained()
    {
        var layer = new Conv2d(2, 3, 3, new RandomStream(1)).WithSpectralNorm(new RandomStream(2));
        Assert.Equal(["weight", "bias"], layer.NamedParameters().Select(p => p.Name));
        Assert.Equal(["weight_u", "weight_v"], layer.NamedBuffers().Select(b => b.Name));
        Assert.Equal([3], layer.SpectralNorm!.U.Shape);
        Assert.Equal([2 * 3 * 3], layer.SpectralNorm.V.Shape);
        Assert.Equal(1f, layer.SpectralNorm.U.Square().Sum().Item(), 5);
        var transposed = (ConvTranspose2d)new ConvTranspose2d(3, 2, 4, new RandomStream(1)).WithSpectralNorm(new RandomStream(2));
        Assert.Equal([2], transposed.SpectralNorm!.U.Shape); // the output channels: dimension 1 of [in, out, k, k]
        Assert.Same(transposed.SpectralNorm, transposed.WithSpectralNorm(new RandomStream(9)) is ConvolutionLayer c ? c.SpectralNorm : null);
    }

    private static void Close(string what, float[] expected, float[] actual) => GoldenFiles.Close(what, expected, actual);
}

/// <summary><c>--spectral-norm</c> on a run: which layers, the initial weights, checkpoints and resume, the command line.</summary>
public sealed class SpectralNormTrainingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gfs-sn-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Gan.TrainConfig Small(string spectralNorm) =>
        TestRuns.Defaults("wgan-gp") with { Dim = 16, BatchSize = 32, Iters = 6, Seed = 3, SpectralNorm = spectralNorm };

    [Theory]
    [InlineData("critic", 0, 4)]
    [InlineData("generator", 4, 0)]
    [InlineData("both", 4, 4)]
    [InlineData("none", 0, 0)]
    public void Every_linear_layer_of_the_chosen_players_is_normalized_and_the_initial_weights_stay(string choice, int generatorLayers, int criticLayers)
    {
        var trainer = TestRuns.Toy(Small(choice));
        int Normalized(Module m) => m.Modules().OfType<Linear>().Count(l => l.SpectralNorm is not null);
        Assert.Equal(generatorLayers, Normalized(trainer.Players.Generator));
        Assert.Equal(criticLayers, Normalized(trainer.Players.Critic));
        Assert.Equal(TestRuns.Weights(TestRuns.Toy(Small("none"))), TestRuns.Weights(trainer));
        var state = TestRuns.State(trainer).Select(s => s.Name).ToHashSet();
        Assert.Equal(criticLayers > 0, state.Contains("critic.main.0.weight_u") && state.Contains("critic.main.6.weight_v"));
        Assert.Equal(generatorLayers > 0, state.Contains("generator.main.0.weight_u"));
    }

    [Fact]
    public void Resuming_restores_u_and_v_and_continues_exactly()
    {
        var straight = TestRuns.Toy(Small("both"));
        for (int i = 0; i < 4; i++) straight.Step();
        var first = TestRuns.Toy(Small("both"));
        first.Step();
        first.Step();
        string path = Path.Combine(_dir, "c.safetensors");
        TestRuns.Save(first, path);
        var resumed = TestRuns.LoadToy(path);
        Assert.Equal(TestRuns.State(first).Select(s => s.Values), TestRuns.State(resumed).Select(s => s.Values));
        resumed.Step();
        resumed.Step();
        var expected = TestRuns.State(straight);
        var actual = TestRuns.State(resumed);
        Assert.Equal(expected.Select(s => s.Name), actual.Select(s => s.Name));
        Assert.Equal(expected.Select(s => s.Values), actual.Select(s => s.Values)); // weights, u and v, bit for bit
        Assert.NotEqual(TestRuns.State(first).Single(s => s.Name == "critic.main.0.weight_u").Values,
            actual.Single(s => s.Name == "critic.main.0.weight_u").Values); // the power iterations moved u
    }

    [Fact]
    public void Evaluating_leaves_the_learning_players_buffers_as_they_were()
    {
        var trainer = TestRuns.Toy(Small("both"));
        trainer.Step();
        var before = TestRuns.State(trainer);
        using (trainer.Measuring()) trainer.Data.Evaluate(trainer, _dir);
        Assert.Equal(before.Select(s => s.Values), TestRuns.State(trainer).Select(s => s.Values));
        // Without it the critic's scores, taken in training mode, step the power iteration.
        trainer.Data.Evaluate(trainer, _dir);
        Assert.NotEqual(before.Single(s => s.Name == "critic.main.0.weight_u").Values,
            TestRuns.State(trainer).Single(s => s.Name == "critic.main.0.weight_u").Values);
    }

    [Fact]
    public void A_run_resumed_off_the_evaluation_grid_continues_as_the_uninterrupted_one()
    {
        // hinge normalizes its critic; the shorter run evaluates at its end (iteration 3), off the grid of 2.
        string[] tiny = ["--dataset", "8gaussians", "--dim", "8", "--batch-size", "16", "--threads", "1", "--eval-every", "2"];
        string straight = Path.Combine(_dir, "straight"), resumed = Path.Combine(_dir, "resumed");
        var (code, _, err) = Gfs.Run(["train", "hinge", "--iters", "6", "--out", straight, .. tiny]);
        Assert.True(code == 0, err);
        (code, _, err) = Gfs.Run(["train", "hinge", "--iters", "3", "--out", resumed, .. tiny]);
        Assert.True(code == 0, err);
        (code, _, err) = Gfs.Run(["train", "hinge", "--iters", "6", "--out", resumed, "--resume", "--threads", "1"]);
        Assert.True(code == 0, err);
        var expected = SafeTensors.Load(Path.Combine(straight, "checkpoint.safetensors")).Tensors;
        var actual = SafeTensors.Load(Path.Combine(resumed, "checkpoint.safetensors")).Tensors;
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        Assert.Contains("critic.main.0.weight_u", expected.Keys);
        foreach (var (name, tensor) in expected) Assert.True(tensor.Data.SequenceEqual(actual[name].Data), name);
    }

    [Fact]
    public void The_command_line_records_it_refuses_a_bad_choice_and_keeps_it_at_resume()
    {
        string run = Path.Combine(_dir, "run");
        string[] tiny = ["--dataset", "8gaussians", "--dim", "8", "--batch-size", "16", "--threads", "1", "--out", run];
        var (code, output, err) = Gfs.Run(["train", "wgan", "--iters", "2", "--eval-every", "1", "--spectral-norm", "critic", .. tiny]);
        Assert.True(code == 0, err);
        Assert.Contains("spectral norm: critic", output);
        Assert.Contains("\"spectral_norm\":\"critic\"", File.ReadAllText(Path.Combine(run, "config.json")).Replace(" ", ""));

        (code, _, err) = Gfs.Run(["train", "wgan", "--iters", "3", "--resume", "--spectral-norm", "both", .. tiny]);
        Assert.Equal(2, code);
        Assert.Contains("was trained with --spectral-norm critic, not both", err);
        (code, _, err) = Gfs.Run(["train", "wgan", "--iters", "3", "--resume", .. tiny]);
        Assert.True(code == 0, err);

        string other = Path.Combine(_dir, "other");
        (code, _, err) = Gfs.Run("train", "wgan", "--spectral-norm", "encoder", "--iters", "1", "--out", other);
        Assert.Equal(2, code);
        Assert.Contains("'encoder' not recognized", err);
        Assert.False(Directory.Exists(other));
    }
}

/// <summary>
/// <c>--spectral-norm both</c> reaches every layer it lists: each normalized layer of each network
/// computes with W/σ̂ in training mode, so one step's power iterations move its u and v (a layer
/// whose forward read its plain weight would keep them as drawn). A vector of one element (u of a
/// layer with one output, v of one with one input) is ±1 and cannot show it, so the other does.
/// </summary>
public sealed class SpectralNormCoverageTests
{
    public static TheoryData<string, string, string?> Runs()
    {
        var runs = new TheoryData<string, string, string?>();
        foreach (var variant in Gan.Registry.All)
            foreach (var (kind, dataset) in new[] { (Gan.Data.DataKind.Toy, "8gaussians"), (Gan.Data.DataKind.Images, "mnist"), (Gan.Data.DataKind.Text, "text") })
                if (variant.Accepts.Contains(kind) && variant.Name != "ssgan") // ssgan's critic is weight-normalized (its own layers)
                    foreach (var arch in kind == Gan.Data.DataKind.Images ? variant.Architectures.Select(a => (string?)a) : [null])
                        if (!(variant.UsesInterpolates && arch == "dcgan")) // a penalty refuses dcgan's batch-norm critic
                            runs.Add(variant.Name, dataset, arch);
        return runs;
    }

    [Theory]
    [MemberData(nameof(Runs))]
    public void A_step_moves_the_power_iteration_of_every_normalized_layer(string variant, string dataset, string? arch)
    {
        var config = TestRuns.Defaults(variant, dataset) with { Dim = 4, BatchSize = 4, Iters = 2, SpectralNorm = "both", Arch = arch };
        var trainer = Start(config);
        var before = PowerIterationVectors(trainer);
        Assert.NotEmpty(before);
        trainer.Step();
        var after = PowerIterationVectors(trainer).ToDictionary(s => s.Name, s => s.Values);
        foreach (var layer in before.Select(s => s.Name[..^".weight_u".Length]).Distinct())
        {
            var moved = before.Where(s => s.Name.StartsWith(layer + ".weight_") && s.Values.Length > 1)
                .Select(s => !s.Values.SequenceEqual(after[s.Name])).ToList();
            Assert.True(moved.Count > 0 && moved.All(m => m), $"{variant} on {dataset} ({arch}): the power iteration of {layer} did not run");
        }
    }

    /// <summary>u and v of every normalized layer of the generator and the critic (the averaged copies follow them).</summary>
    private static (string Name, float[] Values)[] PowerIterationVectors(Gan.Trainer trainer) =>
        [.. TestRuns.State(trainer).Where(s => (s.Name.EndsWith(".weight_u") || s.Name.EndsWith(".weight_v")) &&
            (s.Name.StartsWith(Gan.Roles.Generator + ".") || s.Name.StartsWith(Gan.Roles.Critic + ".")))];

    private static Gan.Trainer Start(Gan.TrainConfig config)
    {
        switch (config.Kind)
        {
            case Gan.Data.DataKind.Images:
                return TestRuns.Images(config, Gan.Data.ImageDataset.Random(config.BatchSize * 4, config.Seed));
            case Gan.Data.DataKind.Text:
                var corpus = Gan.Data.TextCorpus.FromLines([.. Enumerable.Range(0, 40).Select(i => $"line {i}: the cat sat on the mat {i * i}")]);
                var withVocabulary = config with { Vocabulary = corpus.Vocabulary };
                return Gan.Trainer.Start(withVocabulary, new Gan.Data.TextData(withVocabulary, corpus));
            default:
                return TestRuns.Toy(config);
        }
    }
}
