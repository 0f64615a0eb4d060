using System.CommandLine;
using Shoal.Cli.Engines;
using Shoal.Cli.Infrastructure;
using Shoal.Scenarios.Workload;

namespace Shoal.Cli.Verbs;

/// <summary><c>shoal verify</c>: checks a group's verify records against what <c>shoal produce</c> published.</summary>
internal static class VerifyCommand
{
    public static Command Create()
    {
        var engine = new EngineOption();
        var topic = VerbOptions.Topic("The topic 'shoal produce' published to");
        var group = VerbOptions.Group("The group whose workers ran --handler verify");
        var wait = DurationOptions.Create("--wait", TimeSpan.FromSeconds(30), "How long to wait for the group to catch up before reporting");
        var json = CliOutput.CreateJsonOption();
        var command = new Command("verify", "Wait until a group has caught up (or --wait passes), then report lost, duplicated and reordered events; exit 1 on loss or reordering")
        {
            topic, group, wait, json,
        };
        engine.AddTo(command);
        command.SetAction((parseResult, cancellationToken) =>
        {
            var output = CliOutput.For(parseResult, json);
            return output.RunAsync(
                () => RunAsync(engine.GetValue(parseResult, output.Error), parseResult.GetValue(topic)!, parseResult.GetValue(group)!, parseResult.GetValue(wait), output, cancellationToken),
                cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(string uri, string topic, string group, TimeSpan wait, CliOutput output, CancellationToken cancellationToken)
    {
        var report = await Verifier.RunAsync(uri, topic, group, wait, EngineUris.Services, output.Error, cancellationToken);
        if (output.Json)
        {
            output.WriteJson(report, CliJsonContext.Default.VerifyReport);
        }
        else
        {
            output.Line($"topic            {topic} (group {group}, {report.Runs} produce runs)");
            output.Line($"produced         {report.Produced} ({report.Acknowledged} acknowledged)");
            output.Line($"processed        {report.Processed}");
            output.Line($"lost             {report.Lost}{(report.MissingFromLog > 0 ? $" ({report.MissingFromLog} acknowledged but missing from the topic)" : string.Empty)}");
            output.Line($"duplicates       {report.Duplicates}");
            output.Line($"orderViolations  {report.OrderViolations}");
            output.Line($"unexpected       {report.Unexpected}");
            output.Line($"caught up        {(report.CaughtUp ? "yes" : $"no (lag {report.Lag})")}");
            output.Line(report.Passed() ? "PASS" : "FAIL");
        }

        if (report.Unexpected > 0)
        {
            output.Fail($"{report.UnexpectedEvents} events in '{topic}' and {report.UnexpectedRecords} records were not written by 'shoal produce' / 'shoal worker --handler verify' for a known run; they cannot be verified.");
        }

        return report.Passed() ? ExitCodes.Ok : ExitCodes.Failed;
    }
}
