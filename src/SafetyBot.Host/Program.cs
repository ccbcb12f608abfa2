using Microsoft.Extensions.Options;
using SafetyBot.Core.Localization;
using SafetyBot.Host;

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
