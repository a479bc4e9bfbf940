using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks/GanFromScratch.Benchmarks -- --filter '*Gemm*'
BenchmarkSwitcher.FromAssembly(typeof(GanFromScratch.Benchmarks.GemmBenchmarks).Assembly).Run(args);
