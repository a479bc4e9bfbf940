namespace GanFromScratch.Engine;

/// <summary>
/// What every operation shares: a place for its result, the check that its operands live on one
/// device, and <see cref="Record"/>, which attaches the operation's backward rule to its result
/// so that <see cref="Autograd"/> can find it.
/// </summary>
public sealed partial class Tensor
{
    /// <summary>An uninitialised tensor on the same backend as <paramref name="like"/>.</summary>
    private static Tensor Empty(Tensor like, int[] shape) => new(like.Backend, shape);

    /// <summary>Whether a backward rule must produce the gradient for <paramref name="input"/> (see <see cref="Autograd.NeedsGrad"/>).</summary>
    private static bool Needs(Tensor input) => Autograd.NeedsGrad(input);

    /// <summary>Checks that every operand lives on one backend.</summary>
    private static void SameBackend(string op, Tensor a, Tensor b)
    {
        if (!ReferenceEquals(a.Backend, b.Backend))
            throw new ArgumentException($"{op}: operands are on different devices ({a.Backend.Name} and {b.Backend.Name}); move one first.");
    }

    /// <summary>
    /// Attaches the backward rule to <paramref name="result"/> when grad mode is on and any input
    /// requires gradients; otherwise the result is a plain constant.
    /// </summary>
    private static Tensor Record(Tensor result, string name, Tensor[] inputs, Func<Tensor, Tensor?[]> backward)
    {
        if (!Autograd.IsEnabled) return result;
        foreach (var input in inputs)
        {
            if (!input.RequiresGrad) continue;
            result.GradFn = new Node(name, inputs, backward);
            result._requiresGrad = true;
            break;
        }
        return result;
    }
}
