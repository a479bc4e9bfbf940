using System.Collections.Concurrent;

namespace GanFromScratch.Kernels.Cpu;

/// <summary>
/// Tables that a kernel works out from its key (a convolution's geometry) and keeps for the next
/// call with the same key. A run uses a handful of geometries and tests many small ones, so past
/// <see cref="Limit"/> tables the cache starts again from empty.
/// </summary>
internal sealed class TableCache<TKey, TTable>(Func<TKey, TTable> make) where TKey : notnull
{
    private const int Limit = 64;
    private readonly ConcurrentDictionary<TKey, TTable> _tables = new();

    public TTable Of(TKey key)
    {
        if (_tables.Count > Limit) _tables.Clear();
        return _tables.GetOrAdd(key, make);
    }
}
