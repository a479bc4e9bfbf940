using GanFromScratch.Engine;
using GanFromScratch.Gan;
using GanFromScratch.Gan.Data;
using GanFromScratch.Gan.Metrics;

namespace GanFromScratch.Tests;

/// <summary>The assignment solver, exact W1 and mode coverage on inputs with known answers.</summary>
public class ToyMetricsTests
{
    private static double BruteForceMinimum(double[,] cost)
    {
        int n = cost.GetLength(0);
        double best = double.PositiveInfinity;
        void Search(int row, bool[] used, double sum)
        {
            if (sum >= best) return;
            if (row == n)
            {
                best = sum;
                return;
            }
            for (int j = 0; j < n; j++)
            {
                if (used[j]) continue;
                used[j] = true;
                Search(row + 1, used, sum + cost[row, j]);
                used[j] = false;
            }
        }
        Search(0, new bool[n], 0);
        return best;
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 3)]
    [InlineData(5, 4)]
    [InlineData(7, 5)]
    [InlineData(8, 6)]
    [InlineData(8, 7)]
    [InlineData(8, 8)]
    [InlineData(6, 9)]
    public void Assignment_is_optimal_against_brute_force(int n, int seed)
    {
        var random = new Random(seed);
        var cost = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) cost[i, j] = Math.Round(random.NextDouble() * 10, 1); // ties happen
        var match = Assignment.Solve(cost);
        Assert.Equal(Enumerable.Range(0, n), match.Order()); // a permutation
        double total = Enumerable.Range(0, n).Sum(i => cost[i, match[i]]);
        Assert.Equal(BruteForceMinimum(cost), total, 9);
    }

    [Fact]
    public void Assignment_avoids_the_greedy_trap()
    {
        // Greedy would take (0,0) = 1 and be forced into (1,1) = 100; the optimum is 2 + 3.
        var match = Assignment.Solve(new double[,] { { 1, 2 }, { 3, 100 } });
        Assert.Equal([1, 0], match);
    }

    [Fact]
    public void W1_of_a_permuted_copy_is_zero_and_of_a_translate_is_the_shift()
    {
        var random = new Random(3);
        int n = 200;
        var a = Enumerable.Range(0, 2 * n).Select(_ => (float)random.NextDouble()).ToArray();
        var perm = Enumerable.Range(0, n).OrderBy(_ => random.Next()).ToArray();
        var b = new float[2 * n];
        for (int i = 0; i < n; i++) (b[2 * i], b[2 * i + 1]) = (a[2 * perm[i]], a[2 * perm[i] + 1]);
        Assert.Equal(0, ToyMetrics.Wasserstein1(a, b), 9);

        // Translating by v moves every point by |v|, and no plan does better (f(x) = x·v/|v| is 1-Lipschitz).
        var shifted = new float[2 * n];
        for (int i = 0; i < n; i++) (shifted[2 * i], shifted[2 * i + 1]) = (b[2 * i] + 0.3f, b[2 * i + 1] - 0.4f);
        Assert.Equal(0.5, ToyMetrics.Wasserstein1(a, shifted), 5);
    }

    [Fact]
    public void W1_of_two_point_sets_with_a_known_matching()
    {
        // {(0,0), (10,0)} against {(10,1), (0,1)}: match crosswise, each 1 away.
        Assert.Equal(1.0, ToyMetrics.Wasserstein1([0, 0, 10, 0], [10, 1, 0, 1]), 9);
    }

    [Fact]
    public void W1_floor_is_the_distance_between_two_draws_of_the_data_itself()
    {
        var config = TestRuns.Defaults("wgan-gp") with { Seed = 5 };
        var data = new ToyData(config);
        var evaluated = data.Dataset.Sample(ToyData.W1Points, config.Stream(11));
        var second = data.Dataset.Sample(ToyData.W1Points, config.Stream(24));
        Assert.Equal(ToyMetrics.Wasserstein1(second, evaluated), data.W1Floor);
        // Above 0 (two finite samples never coincide) and far below a generator that missed the data (w1 ~ 1.4 at the start).
        Assert.InRange(data.W1Floor, 0.03, 0.2);
        Assert.Equal(data.W1Floor, new ToyData(config).W1Floor); // a function of the seed
        Assert.NotEqual(data.W1Floor, new ToyData(config with { Seed = 6 }).W1Floor);
    }

    [Fact]
    public void Modes_and_high_quality_fraction()
    {
        var data = new EightGaussians();
        var centres = data.Centres;
        float std = data.ComponentStd;
        // 8 points on the centres, 4 within 2σ of centre 0, 4 far from everything.
        var points = new List<float>();
        foreach (var c in centres) points.AddRange(c);
        for (int i = 0; i < 4; i++) points.AddRange([centres[0][0] + 2 * std, centres[0][1]]);
        for (int i = 0; i < 4; i++) points.AddRange([0f, 0f]);
        var (modes, hq) = ToyMetrics.Modes(points.ToArray(), centres, std);
        Assert.Equal(8, modes);
        Assert.Equal(12.0 / 16, hq, 9);

        // Just outside 3σ does not count; just inside does.
        var (m2, h2) = ToyMetrics.Modes([centres[3][0] + 3.05f * std, centres[3][1], centres[5][0], centres[5][1] + 2.95f * std], centres, std);
        Assert.Equal(1, m2);
        Assert.Equal(0.5, h2, 9);
    }

    [Fact]
    public void Toy_class_accuracy_counts_the_points_within_three_sigma_of_their_own_labels_centre()
    {
        var centres = new EightGaussians().Centres;
        float std = new EightGaussians().ComponentStd;
        // Asked for 0, 0, 0, 2, 5, 6: 2.9σ from centre 0 (counts), 3.1σ from it (does not, though
        // nearest it), on centre 1 (does not: another class, though a high-quality point), on centre 2
        // (counts), 1σ from centre 5 (counts), half-way between 6 and 7 (does not).
        float[] points =
        [
            centres[0][0] + 2.9f * std, centres[0][1],
            centres[0][0], centres[0][1] - 3.1f * std,
            centres[1][0], centres[1][1],
            centres[2][0], centres[2][1],
            centres[5][0] + 0.6f * std, centres[5][1] - 0.8f * std,
            0.5f * (centres[6][0] + centres[7][0]), 0.5f * (centres[6][1] + centres[7][1]),
        ];
        Assert.Equal(3.0 / 6, ToyMetrics.ClassAccuracy(points, [0, 0, 0, 2, 5, 6], centres, std), 9);
        Assert.Equal(4.0 / 6, ToyMetrics.Modes(points, centres, std).HighQuality, 9); // hq takes any centre: the point on centre 1 too
        Assert.Throws<ArgumentException>(() => ToyMetrics.ClassAccuracy(points, [0, 0, 2], centres, std));
    }

    [Fact]
    public void Toy_datasets_have_the_gan_toy_constants()
    {
        var g = new RandomStream(5);
        var eight = new EightGaussians();
        var pts = eight.Sample(4000, g);
        var (modes, hq) = ToyMetrics.Modes(pts, eight.Centres, eight.ComponentStd);
        Assert.Equal(8, modes);
        Assert.True(hq > 0.98, $"hq {hq}"); // a 2-D Gaussian puts 98.9% of its mass within 3σ
        Assert.All(eight.Centres, c => Assert.Equal(2 / 1.414, Math.Sqrt(c[0] * c[0] + c[1] * c[1]), 5));
        Assert.Equal(0.02 / 1.414, eight.ComponentStd, 6);

        var grid = new TwentyFiveGaussians();
        var (m25, hq25) = ToyMetrics.Modes(grid.Sample(10000, g), grid.Centres, grid.ComponentStd);
        Assert.Equal(25, m25);
        Assert.True(hq25 > 0.98, $"hq {hq25}");
        Assert.Contains(grid.Centres, c => Math.Abs(c[0] - 4 / 2.828) < 1e-5 && Math.Abs(c[1] + 4 / 2.828) < 1e-5);

        // The swiss roll: radius t/7.5 with t in [1.5π, 4.5π], plus noise 0.25/7.5.
        var roll = new SwissRoll().Sample(2000, g);
        for (int i = 0; i < 2000; i++)
        {
            double r = Math.Sqrt(roll[2 * i] * roll[2 * i] + roll[2 * i + 1] * roll[2 * i + 1]);
            Assert.InRange(r, 1.5 * Math.PI / 7.5 - 0.2, 4.5 * Math.PI / 7.5 + 0.2);
        }
    }

    [Fact]
    public void Sampling_is_reproducible_from_the_seed_and_offset()
    {
        var a = new EightGaussians().Sample(10, new RandomStream(9));
        var g = new RandomStream(9);
        var b = new EightGaussians().Sample(10, g);
        Assert.Equal(a, b);
        Assert.NotEqual(a, new EightGaussians().Sample(10, g)); // the stream moved on
    }

    [Fact]
    public void An_unknown_dataset_lists_the_valid_ones()
    {
        var e = Assert.Throws<ArgumentException>(() => ToyDataset.Get("9gaussians"));
        Assert.Contains("8gaussians, 25gaussians, swissroll", e.Message);
    }
}
