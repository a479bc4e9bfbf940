using System.Runtime.Intrinsics;

namespace GanFromScratch.Kernels.Cpu;

/// <summary>
/// The optimizer updates: each reads a parameter, its gradient and its state once and writes
/// them back once. Eight lanes at a time, then a scalar tail that computes the same formula.
/// </summary>
public sealed unsafe partial class CpuBackend
{
    private const int MinUpdatePerThread = 1 << 15;

    public override void SgdUpdate(DeviceBuffer param, DeviceBuffer grad, DeviceBuffer? momentumBuffer, int n,
        float lr, float momentum, float weightDecay)
    {
        nint pp = (nint)Ptr(param), pg = (nint)Ptr(grad), pb = momentumBuffer is null ? 0 : (nint)Ptr(momentumBuffer);
        if (momentum != 0 && pb == 0) throw new ArgumentException("SGD with momentum needs a momentum buffer.");
        CpuParallel.For(n, MinUpdatePerThread, (start, end) =>
        {
            float* p = (float*)pp, g = (float*)pg, buf = (float*)pb;
            for (int i = start; i < end; i++)
            {
                float d = g[i] + weightDecay * p[i];
                if (momentum != 0) d = buf[i] = momentum * buf[i] + d;
                p[i] -= lr * d;
            }
        });
    }

    public override void RmsPropUpdate(DeviceBuffer param, DeviceBuffer grad, DeviceBuffer squareAverage, int n,
        float lr, float alpha, float eps, float weightDecay)
    {
        nint pp = (nint)Ptr(param), pg = (nint)Ptr(grad), ps = (nint)Ptr(squareAverage);
        CpuParallel.For(n, MinUpdatePerThread, (start, end) =>
        {
            float* p = (float*)pp, g = (float*)pg, s = (float*)ps;
            var vAlpha = Vector256.Create(alpha);
            var vOneMinusAlpha = Vector256.Create(1f - alpha);
            var vLr = Vector256.Create(lr);
            var vEps = Vector256.Create(eps);
            var vWd = Vector256.Create(weightDecay);
            int i = start;
            for (; i <= end - 8; i += 8)
            {
                var vp = Vector256.Load(p + i);
                var d = Vector256.Load(g + i) + vWd * vp;
                var vs = vAlpha * Vector256.Load(s + i) + vOneMinusAlpha * (d * d);
                vs.Store(s + i);
                (vp - vLr * d / (Vector256.Sqrt(vs) + vEps)).Store(p + i);
            }
            for (; i < end; i++)
            {
                float d = g[i] + weightDecay * p[i];
                s[i] = alpha * s[i] + (1f - alpha) * (d * d);
                p[i] -= lr * d / (MathF.Sqrt(s[i]) + eps);
            }
        });
    }

    public override void AdamUpdate(DeviceBuffer param, DeviceBuffer grad, DeviceBuffer m, DeviceBuffer v, int n,
        float lr, float beta1, float beta2, float eps, float weightDecay, float biasCorrection1, float biasCorrection2)
    {
        nint pp = (nint)Ptr(param), pg = (nint)Ptr(grad), pm = (nint)Ptr(m), pv = (nint)Ptr(v);
        float stepSize = lr / biasCorrection1;
        float correction2Sqrt = MathF.Sqrt(biasCorrection2);
        CpuParallel.For(n, MinUpdatePerThread, (start, end) =>
        {
            float* p = (float*)pp, g = (float*)pg, ms = (float*)pm, vs = (float*)pv;
            var vB1 = Vector256.Create(beta1);
            var vB2 = Vector256.Create(beta2);
            var vOneMinusB1 = Vector256.Create(1f - beta1);
            var vOneMinusB2 = Vector256.Create(1f - beta2);
            var vStep = Vector256.Create(stepSize);
            var vC2 = Vector256.Create(correction2Sqrt);
            var vEps = Vector256.Create(eps);
            var vWd = Vector256.Create(weightDecay);
            int i = start;
            for (; i <= end - 8; i += 8)
            {
                var vp = Vector256.Load(p + i);
                var d = Vector256.Load(g + i) + vWd * vp;
                var vm = vB1 * Vector256.Load(ms + i) + vOneMinusB1 * d;
                var vv = vB2 * Vector256.Load(vs + i) + vOneMinusB2 * (d * d);
                vm.Store(ms + i);
                vv.Store(vs + i);
                (vp - vStep * vm / (Vector256.Sqrt(vv) / vC2 + vEps)).Store(p + i);
            }
            for (; i < end; i++)
            {
                float d = g[i] + weightDecay * p[i];
                ms[i] = beta1 * ms[i] + (1f - beta1) * d;
                vs[i] = beta2 * vs[i] + (1f - beta2) * (d * d);
                p[i] -= stepSize * ms[i] / (MathF.Sqrt(vs[i]) / correction2Sqrt + eps);
            }
        });
    }
}
