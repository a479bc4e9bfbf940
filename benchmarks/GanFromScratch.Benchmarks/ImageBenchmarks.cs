using BenchmarkDotNet.Attributes;
using GanFromScratch.Engine;
using GanFromScratch.Gan;
using GanFromScratch.Gan.Data;
using GanFromScratch.Kernels.Cpu;

namespace GanFromScratch.Benchmarks;

/// <summary>
/// Image training: one WGAN-GP generator iteration of gan_mnist.py's networks (DIM 64, batch
/// 50, five critic steps with the penalty through three convolutions), and the critic's largest
/// convolution (conv2: [50, 64, 14, 14] ⊛ [128, 64, 5, 5], stride 2) forward and backward. PyTorch
/// peers: tools/bench/mnist_train_step.py and tools/bench/conv_torch.py; see docs/benchmarks.md.
/// </summary>
public class ImageBenchmarks
{
    [Params(1, 2)]
    public int Threads { get; set; }

    private Trainer _trainer = null!;
    private Tensor _x = null!, _w = null!;

    [GlobalSetup]
    public void Setup()
    {
        CpuParallel.Threads = Threads;
        var config = TrainConfig.Defaults(Registry.Get("wgan-gp"), "fashion-mnist") with { Iters = int.MaxValue };
        _trainer = new Trainer(config, new ImageData(config, ImageDataset.Random(200, 1)));
        var gen = new RandomStream(2);
        _x = Tensor.Randn([50, 64, 14, 14], gen).RequiresGrad_();
        _w = (Tensor.Randn([128, 64, 5, 5], gen) * 0.05f).Detach().RequiresGrad_();
    }

    [Benchmark]
    public StepLosses WganGpIteration() => _trainer.Step();

    [Benchmark]
    public void CriticConv2ForwardBackward()
    {
        using var scope = TensorScope.Begin();
        Autograd.Grad([Tensor.Conv2d(_x, _w, null, stride: 2, padding: 2).Sum()], [_x, _w]);
    }
}
