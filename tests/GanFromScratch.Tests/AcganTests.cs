using GanFromScratch.Engine;
using GanFromScratch.Gan;

namespace GanFromScratch.Tests;

/// <summary>
/// ACGAN's game: a critic with a real/fake head and a class head, its losses the paper's, with the
/// class terms cross-entropies on the logits. (Resume and the refusals are tested for every
/// conditional variant in ConditionalTests.)
/// </summary>
public sealed class AcganTests
{
    private static Trainer Toy() => TestRuns.Toy(TestRuns.Defaults("acgan") with { Dim = 8, BatchSize = 6, Seed = 2 });

    private static float[] Rows(Tensor t) => t.ToArray();

    [Fact]
    public void The_critic_has_a_source_head_and_a_class_head_and_its_score_is_the_source()
    {
        var trainer = Toy();
        using var scope = TensorScope.Begin();
        var x = Tensor.Randn([5, 2], new RandomStream(3));
        var output = trainer.Players.Critic.Forward(x);
        Assert.Equal([5, 1 + 8], output.Shape);
        Assert.Equal(Rows(output.Narrow(1, 0, 1)), Rows(trainer.CriticScore(x)));
    }

    /// <summary>The critic's loss against a formula computed on the host in double from the same outputs.</summary>
    [Theory]
    [InlineData(1f)]
    [InlineData(0f)]
    [InlineData(0.25f)]
    public void The_losses_are_the_papers_with_cross_entropy_on_logits(float fakeClassWeight)
    {
        var trainer = TestRuns.Toy((TestRuns.Defaults("acgan") with { Dim = 8, BatchSize = 6, Seed = 2 }).WithOption(Acgan.FakeClassWeight, fakeClassWeight));
        using var scope = TensorScope.Begin();
        var random = new RandomStream(5);
        var batch = new Batch(Tensor.Randn([6, 2], random))
        {
            Real = Tensor.Randn([6, 2], random),
            RealLabels = Tensor.FromArray([0, 3, 7, 7, 1, 2], 6),
            FakeLabels = Tensor.FromArray([5, 5, 0, 6, 4, 1], 6),
        };
        var variant = trainer.Variant;
        float critic = variant.CriticLoss(trainer.Game, batch).Total.Item();
        float generator = variant.GeneratorLoss(trainer.Game, batch).Item();

        Tensor fakeImages;
        using (Autograd.NoGrad()) fakeImages = trainer.Players.Generator.Forward(batch.Noise, batch.FakeLabels);
        float[] real = Rows(trainer.Players.Critic.Forward(batch.Real)), fake = Rows(trainer.Players.Critic.Forward(fakeImages));
        int[] yReal = [0, 3, 7, 7, 1, 2], yFake = [5, 5, 0, 6, 4, 1];
        static double Softplus(double t) => Math.Log(1 + Math.Exp(t));
        static double CrossEntropy(float[] rows, int[] labels)
        {
            double sum = 0;
            for (int i = 0; i < labels.Length; i++)
            {
                var logits = rows.AsSpan(i * 9 + 1, 8).ToArray().Select(v => (double)v).ToArray();
                double max = logits.Max();
                sum += max + Math.Log(logits.Sum(l => Math.Exp(l - max))) - logits[labels[i]];
            }
            return sum / labels.Length;
        }
        double sourceReal = Enumerable.Range(0, 6).Average(i => Softplus(-real[i * 9]));
        double sourceFake = Enumerable.Range(0, 6).Average(i => Softplus(fake[i * 9]));
        double expectedCritic = sourceReal + sourceFake + CrossEntropy(real, yReal) + fakeClassWeight * CrossEntropy(fake, yFake);
        double expectedGenerator = Enumerable.Range(0, 6).Average(i => Softplus(-fake[i * 9])) + CrossEntropy(fake, yFake);
        Assert.Equal(expectedCritic, critic, 5);
        Assert.Equal(expectedGenerator, generator, 5);
    }

    [Fact]
    public void A_step_teaches_the_class_head_the_real_labels()
    {
        // Critic steps alone on one batch of 8 Gaussians with their components as labels: the class loss
        // on it falls from ln 8 (the head learns from real labels; seen: 2.08 → 1.06 in 40 steps).
        var trainer = TestRuns.Toy(TestRuns.Defaults("acgan") with { Dim = 16, BatchSize = 16, Seed = 2, Lr = 1e-2f });
        using var scope = TensorScope.Begin();
        var random = new RandomStream(7);
        var points = Gan.Data.ToyDataset.Get("8gaussians").Sample(32, random, out var components);
        var (real, labels) = (Tensor.FromArray(points, 32, 2), Gan.Data.ToyData.Labels(components));
        float Loss() => Tensor.CrossEntropy(trainer.Players.Critic.Forward(real).Narrow(1, 1, 8), labels).Item();
        float before = Loss();
        for (int i = 0; i < 40; i++)
            trainer.CriticStep(new Batch(Tensor.Randn([32, 2], random)) { Real = real, RealLabels = labels, FakeLabels = labels });
        Assert.True(Loss() < 0.6f * before, $"class loss {before} → {Loss()}");
    }
}
