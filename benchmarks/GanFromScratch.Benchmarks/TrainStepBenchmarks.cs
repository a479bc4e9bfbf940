using BenchmarkDotNet.Attributes;
using GanFromScratch.Gan;
using GanFromScratch.Gan.Data;
using GanFromScratch.Kernels.Cpu;

namespace GanFromScratch.Benchmarks;

/// <summary>
/// One generator iteration of toy WGAN-GP training with gan_toy.py's networks (dim 512, batch
/// 256): five critic steps, each with the gradient penalty (a gradient of a gradient), then one
/// generator step. The PyTorch peer is tools/bench/toy_train_step.py (it cannot run inside
/// BenchmarkDotNet); compare medians taken on the same machine, and see docs/benchmarks.md.
/// </summary>
public class TrainStepBenchmarks
{
    [Params(1, 2)]
    public int Threads { get; set; }

    [Params("wgan-gp", "wgan")]
    public string Variant { get; set; } = "wgan-gp";

    private Trainer _trainer = null!;

    [GlobalSetup]
    public void Setup()
    {
        CpuParallel.Threads = Threads;
        var config = TrainConfig.Defaults(Registry.Get(Variant), "8gaussians") with { Iters = int.MaxValue };
        _trainer = new Trainer(config, new ToyData(config));
    }

    [Benchmark]
    public StepLosses GeneratorIteration() => _trainer.Step();
}
