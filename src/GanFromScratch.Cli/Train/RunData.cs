using GanFromScratch.Gan;
using GanFromScratch.Gan.Data;

namespace GanFromScratch.Cli.Train;

/// <summary>The data side a command needs for a run's configuration, loaded before anything is written; a missing file is a usage error.</summary>
internal static class RunData
{
    /// <summary>
    /// What training needs: the toy distribution; the training images and, with a classifier, the
    /// test images for fd; or the text, whose vocabulary the configuration then records (a resumed
    /// run reads its corpus by the vocabulary it saved).
    /// </summary>
    public static (TrainConfig Config, IGanData Data) ForTraining(TrainConfig config, TextWriter stdout)
    {
        if (config.Kind == DataKind.Toy)
        {
            var toy = new ToyData(config);
            stdout.WriteLine($"{config.Dataset}: w1 of a second draw of {ToyData.W1Points:N0} real points against the evaluations' " +
                             $"(what a perfect generator would read): {toy.W1Floor.ToString("F4", System.Globalization.CultureInfo.InvariantCulture)}.");
            return (config, toy);
        }
        if (config.Kind == DataKind.Text) return Usage(() => ForText(config, stdout));
        return (config, Usage<IGanData>(() =>
        {
            var train = ImageDatasets.Load(config.Dataset, config.DataDir, train: true);
            var test = ImageDatasets.Load(config.Dataset, config.DataDir, train: false);
            if (config.Classifier is null)
            {
                stdout.WriteLine($"No classifier, so no fd: run 'gfs train classifier --dataset {config.Dataset}' once (a few minutes) to measure runs.");
                return new ImageData(config, train, test);
            }
            if (config.FdSamples > test.Count)
                stdout.WriteLine($"--fd-samples {config.FdSamples}: the test split has {test.Count:N0} images, so fd compares {test.Count:N0} generated ones with them.");
            var (classifier, dataset, accuracy) = FeatureClassifier.Load(config.Classifier, config.Dataset);
            stdout.WriteLine($"fd and score in the features of {config.Classifier} ({dataset}, test accuracy {accuracy:P1}).");
            return new ImageData(config, train, test, classifier);
        }));
    }

    private static (TrainConfig, IGanData) ForText(TrainConfig config, TextWriter stdout)
    {
        TextCorpus corpus;
        try
        {
            corpus = TextCorpus.Load(config.TextFile, config.Vocab, config.Stream(2).Seed, config.Vocabulary);
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }
        var withVocabulary = config with { Vocabulary = corpus.Vocabulary };
        var data = new TextData(withVocabulary, corpus);
        stdout.WriteLine($"{corpus.Name}: {corpus.Lines.Length:N0} lines ({data.TrainingLines:N0} to train on, {data.HeldOutLines:N0} held out), " +
                         $"{corpus.Vocabulary.Count} characters; the floor (js1…js4 of {Math.Min(TextData.EvalLines, data.TrainingLines)} training lines against the held-out text): " +
                         string.Join(" ", data.Floor.Select(f => f.ToString("F4", System.Globalization.CultureInfo.InvariantCulture))) + ".");
        return (withVocabulary, data);
    }

    /// <summary>What sampling a generator needs: nothing of the data but its shape (the images need not be installed).</summary>
    public static IGanData ForSampling(TrainConfig config) => config.Kind switch
    {
        DataKind.Toy => new ToyData(config),
        DataKind.Text => new TextData(config, corpus: null),
        _ => new ImageData(config, train: null),
    };

    /// <summary>A missing dataset or classifier file as a usage error, with the message that says what to install or pass.</summary>
    public static T Usage<T>(Func<T> load)
    {
        try
        {
            return load();
        }
        catch (FileNotFoundException e)
        {
            throw new UsageException(e.Message);
        }
    }
}
