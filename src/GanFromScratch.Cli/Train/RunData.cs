using GanFromScratch.Gan;
using GanFromScratch.Gan.Data;

namespace GanFromScratch.Cli.Train;

/// <summary>The data side a command needs for a run's configuration, loaded before anything is written; a missing file is a usage error.</summary>
internal static class RunData
{
    /// <summary>What training needs: the toy distribution, or the training images and, with a classifier, the test images for fd.</summary>
    public static IGanData ForTraining(TrainConfig config, TextWriter stdout)
    {
        if (config.Kind == DataKind.Toy) return new ToyData(config);
        return Usage(() =>
        {
            var train = ImageDatasets.Load(config.Dataset, config.DataDir, train: true);
            var test = ImageDatasets.Load(config.Dataset, config.DataDir, train: false);
            if (config.Classifier is null)
            {
                stdout.WriteLine($"No classifier, so no fd: run 'gfs train classifier --dataset {config.Dataset}' once (a few minutes) to measure runs.");
                return new ImageData(config, train, test);
            }
            var (classifier, dataset, accuracy) = FeatureClassifier.Load(config.Classifier, config.Dataset);
            stdout.WriteLine($"fd and score in the features of {config.Classifier} ({dataset}, test accuracy {accuracy:P1}).");
            return new ImageData(config, train, test, classifier);
        });
    }

    /// <summary>What sampling a generator needs: nothing of the data but its shape (the images need not be installed).</summary>
    public static IGanData ForSampling(TrainConfig config) =>
        config.Kind == DataKind.Toy ? new ToyData(config) : new ImageData(config, train: null);

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
