using Microsoft.Extensions.Options;
using SafetyBot.Core.Localization;
using SafetyBot.Host;
using SafetyBot.Host.Analysis;
using SafetyBot.Host.Dialogs;
using SafetyBot.Host.Staff;

if (args.Length > 0 && args[0] == "dialogs")
{
    return DialogsCommand.Run(args[1..], Console.Out, Console.Error);
}

if (args.Length > 0 && args[0] == "analyze")
{
    return await AnalyzeCommand.RunAsync(args[1..], Console.In, Console.Out, Console.Error);
}

if (args.Length > 0 && args[0] == "staff")
{
    return await StaffCommand.RunAsync(args[1..], Console.In, Console.Out, Console.Error, interactive: !Console.IsInputRedirected);
}

try
{
    var app = SafetyBotApp.Build(args);
    await app.RunAsync();
    return 0;
}
catch (Exception ex) when (ex is OptionsValidationException or ContentValidationException or InvalidOperationException)
{
    // A configuration or content problem: say which setting or file, without a stack trace.
    await Console.Error.WriteLineAsync($"SafetyBot cannot start: {ex.Message}");
    return 1;
}
