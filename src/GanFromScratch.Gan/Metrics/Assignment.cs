using System.Runtime.Intrinsics;

namespace GanFromScratch.Gan.Metrics;

/// <summary>
/// The linear assignment problem: given an n×n cost matrix, a one-to-one matching of rows to
/// columns of least total cost. Solved exactly by the shortest augmenting path method
/// (Jonker–Volgenant; in the form of Crouse, "On implementing 2D rectangular assignment
/// algorithms", 2016), O(n³) in the worst case and far less on the matrices met here.
/// <para>
/// It keeps dual potentials u (rows) and v (columns) with reduced costs c(i, j) − u(i) − v(j)
/// ≥ 0 everywhere and = 0 on matched pairs: the certificate that the matching is optimal.
/// A column reduction gives the start (v = column minima; each column's cheapest row takes it
/// if still free). Every row left free is then matched by a Dijkstra search over reduced costs
/// from that row to the nearest free column, after which the potentials shift so that the
/// path's edges are tight, and the matching flips along the path.
/// </para>
/// </summary>
public static class Assignment
{
    /// <summary>For each row, the column it is matched to.</summary>
    public static int[] Solve(double[,] cost)
    {
        int n = cost.GetLength(0);
        if (cost.GetLength(1) != n) throw new ArgumentException($"The cost matrix must be square, got {n}×{cost.GetLength(1)}.");
        var flat = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) flat[i * n + j] = cost[i, j];
        return Solve(flat, n);
    }

    /// <summary>The same, for a row-major n×n matrix.</summary>
    public static int[] Solve(double[] cost, int n)
    {
        if (cost.Length != n * n) throw new ArgumentException($"{cost.Length} costs do not make a {n}×{n} matrix.");
        var u = new double[n];
        var v = new double[n];
        var columnOfRow = new int[n];
        var rowOfColumn = new int[n];
        Array.Fill(columnOfRow, -1);
        Array.Fill(rowOfColumn, -1);

        // Column reduction: v(j) = min_i c(i, j), so every reduced cost is ≥ 0; the row that
        // attains a column's minimum takes that column if it has none yet (a tight edge).
        for (int j = 0; j < n; j++)
        {
            int best = 0;
            for (int i = 1; i < n; i++)
                if (cost[i * n + j] < cost[best * n + j]) best = i;
            v[j] = cost[best * n + j];
            if (columnOfRow[best] < 0)
            {
                columnOfRow[best] = j;
                rowOfColumn[j] = best;
            }
        }

        // Per search: the shortest path length to every column (columns already in the tree are
        // "blocked" by +∞ in the scan, their lengths kept in `settled`), and the row it comes from.
        int padded = (n + 3) & ~3;
        var scan = new double[padded];
        var settled = new double[n];
        var blocked = new double[padded];
        var vPadded = new double[padded];
        var previousRow = new double[padded]; // row indices, as doubles so one vector select moves them
        var rowInTree = new bool[n];
        var treeColumns = new List<int>();
        for (int start = 0; start < n; start++)
        {
            if (columnOfRow[start] >= 0) continue;
            Array.Fill(scan, double.PositiveInfinity);
            Array.Clear(blocked);
            blocked.AsSpan(n).Fill(double.PositiveInfinity); // padding columns never win
            Array.Clear(rowInTree);
            treeColumns.Clear();
            v.CopyTo(vPadded, 0);
            double pathLength = 0;
            int row = start, sink = -1;
            while (sink < 0)
            {
                rowInTree[row] = true;
                double lowest = Relax(cost.AsSpan(row * n, n), pathLength - u[row], row, vPadded, blocked, scan, previousRow);
                if (double.IsPositiveInfinity(lowest))
                    throw new ArgumentException("The cost matrix has no finite assignment (NaN or infinite costs?).");
                int column = ClosestColumn(scan, lowest, rowOfColumn, n);
                pathLength = lowest;
                settled[column] = lowest;
                blocked[column] = double.PositiveInfinity;
                scan[column] = double.PositiveInfinity;
                treeColumns.Add(column);
                if (rowOfColumn[column] < 0) sink = column;
                else row = rowOfColumn[column];
            }

            // Shift the potentials: every edge of the tree stays feasible and the path becomes tight.
            u[start] += pathLength;
            for (int i = 0; i < n; i++)
                if (rowInTree[i] && i != start) u[i] += pathLength - settled[columnOfRow[i]];
            foreach (int j in treeColumns) v[j] -= pathLength - settled[j];

            // Flip the matching along the path, from the free column back to the start row.
            for (int column = sink; ;)
            {
                int i = (int)previousRow[column];
                rowOfColumn[column] = i;
                (columnOfRow[i], column) = (column, columnOfRow[i]);
                if (i == start) break;
            }
        }
        return columnOfRow;
    }

    /// <summary>
    /// One step of the search, four columns at a time: the path through <paramref name="row"/>
    /// reaches column j at length offset + c(row, j) − v(j); keep it where it is shorter than the
    /// best so far. Returns the shortest length over the columns outside the tree.
    /// </summary>
    private static double Relax(ReadOnlySpan<double> costRow, double offset, int row, double[] v, double[] blocked,
        double[] scan, double[] previousRow)
    {
        int n = costRow.Length, j = 0;
        var vOffset = Vector256.Create(offset);
        var vRow = Vector256.Create((double)row);
        var vLowest = Vector256.Create(double.PositiveInfinity);
        for (; j <= n - 4; j += 4)
        {
            var reduced = vOffset + Vector256.Create(costRow.Slice(j, 4)) - Vector256.Create(v.AsSpan(j, 4)) + Vector256.Create(blocked.AsSpan(j, 4));
            var current = Vector256.Create(scan.AsSpan(j, 4));
            var shorter = Vector256.LessThan(reduced, current);
            var best = Vector256.Min(reduced, current);
            best.CopyTo(scan.AsSpan(j, 4));
            Vector256.ConditionalSelect(shorter, vRow, Vector256.Create(previousRow.AsSpan(j, 4))).CopyTo(previousRow.AsSpan(j, 4));
            vLowest = Vector256.Min(vLowest, best);
        }
        double lowest = Math.Min(Math.Min(vLowest[0], vLowest[1]), Math.Min(vLowest[2], vLowest[3]));
        for (; j < n; j++)
        {
            double reduced = offset + costRow[j] - v[j] + blocked[j];
            if (reduced < scan[j])
            {
                scan[j] = reduced;
                previousRow[j] = row;
            }
            lowest = Math.Min(lowest, scan[j]);
        }
        return lowest;
    }

    /// <summary>A column at distance <paramref name="lowest"/>, a free one if there is one (the path then ends).</summary>
    private static int ClosestColumn(double[] scan, double lowest, int[] rowOfColumn, int n)
    {
        int first = -1;
        for (int j = 0; j < n; j++)
        {
            if (scan[j] != lowest) continue;
            if (rowOfColumn[j] < 0) return j;
            if (first < 0) first = j;
        }
        return first;
    }
}
