using GanFromScratch.Engine;

namespace GanFromScratch.Nn;

/// <summary>
/// Updates parameters from their gradients. Each optimizer keeps per-parameter state tensors
/// (momentum, running averages) created with the parameter, and a step count; all of it is
/// exposed through <see cref="State"/> so a checkpoint can save and restore it exactly.
/// The arithmetic is one fused kernel per parameter (see <c>Backend.AdamUpdate</c> and friends),
/// with PyTorch's formulas and defaults.
/// </summary>
public abstract class Optimizer
{
    protected Optimizer(IEnumerable<(string Name, Tensor Value)> parameters, float lr)
    {
        if (!(lr > 0) || float.IsInfinity(lr)) throw new ArgumentException($"The learning rate must be a positive number, got {lr}.");
        Parameters = parameters.ToArray();
        LearningRate = lr;
    }

    public (string Name, Tensor Value)[] Parameters { get; }

    public float LearningRate { get; set; }

    /// <summary>Steps taken so far.</summary>
    public long StepCount { get; set; }

    /// <summary>Applies one update to every parameter that has a gradient.</summary>
    public void Step()
    {
        StepCount++;
        for (int i = 0; i < Parameters.Length; i++)
        {
            var p = Parameters[i].Value;
            if (p.Grad is { } g) Update(i, p, g);
        }
    }

    protected abstract void Update(int index, Tensor parameter, Tensor grad);

    /// <summary>The state tensors by name ("{parameter}.{buffer}"); the tensors themselves, to save or overwrite.</summary>
    public abstract IEnumerable<(string Name, Tensor Value)> State();

    /// <summary>Forgets every parameter's gradient.</summary>
    public void ZeroGrad()
    {
        foreach (var (_, p) in Parameters) p.Grad = null;
    }

    protected Tensor[] StateLike() => Parameters.Select(p => Tensor.Full(p.Value.Shape, 0f, p.Value.Backend)).ToArray();

    protected IEnumerable<(string, Tensor)> Named(string buffer, Tensor[] tensors) =>
        tensors.Select((t, i) => ($"{Parameters[i].Name}.{buffer}", t));

    protected static void NonNegative(string name, float value)
    {
        if (!(value >= 0) || float.IsInfinity(value)) throw new ArgumentException($"{name} must be a finite number ≥ 0, got {value}.");
    }
}

/// <summary>Stochastic gradient descent with optional momentum and weight decay (torch.optim.SGD, no dampening).</summary>
public sealed class Sgd : Optimizer
{
    private readonly Tensor[]? _momentum;

    public Sgd(IEnumerable<(string Name, Tensor Value)> parameters, float lr, float momentum = 0f, float weightDecay = 0f)
        : base(parameters, lr)
    {
        NonNegative("SGD momentum", momentum);
        NonNegative("SGD weight decay", weightDecay);
        Momentum = momentum;
        WeightDecay = weightDecay;
        if (momentum != 0) _momentum = StateLike();
    }

    public float Momentum { get; }
    public float WeightDecay { get; }

    protected override void Update(int index, Tensor p, Tensor g) =>
        p.Backend.SgdUpdate(p.Buffer, g.Buffer, _momentum?[index].Buffer, p.Size, LearningRate, Momentum, WeightDecay);

    public override IEnumerable<(string Name, Tensor Value)> State() => _momentum is null ? [] : Named("momentum_buffer", _momentum);
}

/// <summary>
/// RMSProp (torch.optim.RMSprop, not centred, no momentum): divides the gradient by a running
/// root mean square of recent gradients. Defaults: lr 0.01, α 0.99, ε 1e-8. The WGAN paper
/// trains its critic with it at lr 5e-5.
/// </summary>
public sealed class RmsProp : Optimizer
{
    private readonly Tensor[] _squareAverage;

    public RmsProp(IEnumerable<(string Name, Tensor Value)> parameters, float lr = 0.01f, float alpha = 0.99f, float eps = 1e-8f, float weightDecay = 0f)
        : base(parameters, lr)
    {
        NonNegative("RMSProp alpha", alpha);
        NonNegative("RMSProp epsilon", eps);
        NonNegative("RMSProp weight decay", weightDecay);
        (Alpha, Eps, WeightDecay) = (alpha, eps, weightDecay);
        _squareAverage = StateLike();
    }

    public float Alpha { get; }
    public float Eps { get; }
    public float WeightDecay { get; }

    protected override void Update(int index, Tensor p, Tensor g) =>
        p.Backend.RmsPropUpdate(p.Buffer, g.Buffer, _squareAverage[index].Buffer, p.Size, LearningRate, Alpha, Eps, WeightDecay);

    public override IEnumerable<(string Name, Tensor Value)> State() => Named("square_avg", _squareAverage);
}

/// <summary>
/// Adam (torch.optim.Adam; weight decay adds wd·p to the gradient, L2 style, not AdamW):
/// running averages of the gradient and its square, bias-corrected for their zero start.
/// Defaults lr 1e-3, β (0.9, 0.999), ε 1e-8; WGAN-GP uses lr 1e-4, β (0.5, 0.9).
/// </summary>
public sealed class Adam : Optimizer
{
    private readonly Tensor[] _m, _v;

    public Adam(IEnumerable<(string Name, Tensor Value)> parameters, float lr = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f,
        float eps = 1e-8f, float weightDecay = 0f) : base(parameters, lr)
    {
        if (!(beta1 >= 0 && beta1 < 1)) throw new ArgumentException($"Adam β1 must be in [0, 1), got {beta1}.");
        if (!(beta2 >= 0 && beta2 < 1)) throw new ArgumentException($"Adam β2 must be in [0, 1), got {beta2}.");
        NonNegative("Adam epsilon", eps);
        NonNegative("Adam weight decay", weightDecay);
        (Beta1, Beta2, Eps, WeightDecay) = (beta1, beta2, eps, weightDecay);
        _m = StateLike();
        _v = StateLike();
    }

    public float Beta1 { get; }
    public float Beta2 { get; }
    public float Eps { get; }
    public float WeightDecay { get; }

    protected override void Update(int index, Tensor p, Tensor g)
    {
        // The bias corrections in double, as PyTorch computes them in Python floats.
        float c1 = (float)(1 - Math.Pow(Beta1, StepCount));
        float c2 = (float)(1 - Math.Pow(Beta2, StepCount));
        p.Backend.AdamUpdate(p.Buffer, g.Buffer, _m[index].Buffer, _v[index].Buffer, p.Size, LearningRate, Beta1, Beta2, Eps, WeightDecay, c1, c2);
    }

    public override IEnumerable<(string Name, Tensor Value)> State() => Named("exp_avg", _m).Concat(Named("exp_avg_sq", _v));
}
