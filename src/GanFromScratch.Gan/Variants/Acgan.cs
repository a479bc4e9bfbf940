using GanFromScratch.Engine;

namespace GanFromScratch.Gan;

/// <summary>
/// The auxiliary-classifier GAN (Odena, Olah &amp; Shlens, 2017). The generator is conditional,
/// G(z, c); the critic is not, but has two heads on one body — a real/fake logit for P(S | X) and
/// a logit per class for P(C | X) (one final layer of 1 + K outputs) — and learns both on real
/// and on generated samples. With
/// <code>
/// L_S = E[log P(S = real | X_real)] + E[log P(S = fake | X_fake)]
/// L_C = E[log P(C = c | X_real)]    + E[log P(C = c | X_fake)]
/// </code>
/// the critic maximises L_S + L_C and the generator L_C − L_S, here with the non-saturating
/// −log P(S = real | X_fake) in place of log P(S = fake | X_fake), as the GAN's generator. The class
/// terms are cross-entropies on the logits: a softmax taken before them (a bug of some reference
/// code) would squash the class head's gradient.
/// </summary>
public sealed class Acgan : Variant
{
    public static readonly VariantOption<float> FakeClassWeight = new("fake-class-weight",
        "The weight of the critic's class term on generated samples, E[log P(C = c | X_fake)]: 1 is the paper's; 0 trains the class " +
        "head on real samples alone, so that it cannot learn to name a generated sample by the label it was made for (Fashion-MNIST, " +
        "2,000 iterations: class_acc 0.56 at 1, 0.98 at 0; docs/results/acgan-fashion-mnist).",
        1f, w => w >= 0 && float.IsFinite(w), "a number ≥ 0");

    public override string Name => "acgan";
    public override string Summary => "the auxiliary-classifier GAN: G(z, y), a critic with a real/fake head and a class head, Adam 2e-4 β (0.5, 0.999)";
    public override Hyperparameters Defaults => new(Lr: 2e-4f, Beta2: 0.999f);
    public override bool NeedsLabels => true;
    public override IReadOnlyList<VariantOption> Options => [FakeClassWeight];

    public override Players CreatePlayers(NetworkBuilder networks) =>
        new(networks.ConditionalGenerator(), networks.Critic(outputs: 1 + networks.Data.Classes));

    /// <summary>The real/fake logit: the first output of the critic.</summary>
    private static Tensor Source(Tensor output) => output.Narrow(1, 0, 1);

    /// <summary>The class logits: the critic's other outputs.</summary>
    private static Tensor Classes(Tensor output) => output.Narrow(1, 1, output.Shape[1] - 1);

    public override CriticLosses CriticLoss(Game game, Batch batch)
    {
        var fake = game.Critic.Forward(game.Generator.Forward(batch.Noise, batch.FakeLabels!));
        var real = game.Critic.Forward(batch.RealSamples);
        var source = Gan.CrossEntropy(Source(real), Source(fake));                                     // −L_S
        var classes = Tensor.CrossEntropy(Classes(real), batch.RealLabels!);                            // −L_C on real samples
        float weight = FakeClassWeight.Of(game.Config);
        if (weight != 0)                                                                                 // and on generated ones
        {
            var onFakes = Tensor.CrossEntropy(Classes(fake), batch.FakeLabels!);
            classes += weight == 1 ? onFakes : weight * onFakes;
        }
        return new(source + classes);
    }

    public override Tensor GeneratorLoss(Game game, Batch batch)
    {
        var output = game.Critic.Forward(game.Generator.Forward(batch.Noise, batch.FakeLabels!));
        return Gan.NonSaturating(Source(output)) + Tensor.CrossEntropy(Classes(output), batch.FakeLabels!);
    }

    public override Tensor CriticScore(Game game, Tensor samples, Tensor? labels) => Source(game.Critic.Forward(samples));
}
