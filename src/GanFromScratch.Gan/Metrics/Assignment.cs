namespace GanFromScratch.Gan.Metrics;

/// <summary>
/// The linear assignment problem: given an n×n cost matrix, a one-to-one matching of rows to
/// columns of least total cost. Solved exactly with the Hungarian method in its shortest
/// augmenting path form (Jonker–Volgenant style, O(n³)): rows are added one at a time, and each
/// is matched by a Dijkstra-like search over reduced costs c(i, j) − u(i) − v(j) ≥ 0, after
/// which the potentials u, v are updated so that all reduced costs stay non-negative and those
/// of matched pairs are zero — the certificate that the matching is optimal.
/// </summary>
public static class Assignment
{
    /// <summary>For each row, the column it is matched to.</summary>
    public static int[] Solve(double[,] cost)
    {
        int n = cost.GetLength(0);
        if (cost.GetLength(1) != n) throw new ArgumentException($"The cost matrix must be square, got {n}×{cost.GetLength(1)}.");
        // 1-based arrays with column 0 as a virtual start, as in the classic formulation.
        var u = new double[n + 1];
        var v = new double[n + 1];
        var rowOfColumn = new int[n + 1];   // rowOfColumn[j] = row matched to column j (0 = free)
        var way = new int[n + 1];           // previous column on the shortest path
        var minReduced = new double[n + 1];
        var used = new bool[n + 1];

        for (int row = 1; row <= n; row++)
        {
            rowOfColumn[0] = row;
            int column = 0;
            Array.Fill(minReduced, double.PositiveInfinity);
            Array.Fill(used, false);
            // Grow a tree of tight edges until it reaches a free column.
            do
            {
                used[column] = true;
                int i = rowOfColumn[column];
                double delta = double.PositiveInfinity;
                int next = 0;
                for (int j = 1; j <= n; j++)
                {
                    if (used[j]) continue;
                    double reduced = cost[i - 1, j - 1] - u[i] - v[j];
                    if (reduced < minReduced[j])
                    {
                        minReduced[j] = reduced;
                        way[j] = column;
                    }
                    if (minReduced[j] < delta)
                    {
                        delta = minReduced[j];
                        next = j;
                    }
                }
                // Shift the potentials so that the cheapest edge out of the tree becomes tight.
                for (int j = 0; j <= n; j++)
                {
                    if (used[j])
                    {
                        u[rowOfColumn[j]] += delta;
                        v[j] -= delta;
                    }
                    else minReduced[j] -= delta;
                }
                column = next;
            } while (rowOfColumn[column] != 0);
            // Flip the matching along the augmenting path.
            do
            {
                int previous = way[column];
                rowOfColumn[column] = rowOfColumn[previous];
                column = previous;
            } while (column != 0);
        }

        var columnOfRow = new int[n];
        for (int j = 1; j <= n; j++) columnOfRow[rowOfColumn[j] - 1] = j - 1;
        return columnOfRow;
    }
}
