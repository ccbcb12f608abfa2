using Microsoft.Extensions.Options;
using SafetyBot.Core.Staff;

namespace SafetyBot.Host.Staff;

/// <summary>
/// At start-up, when no admin exists and <c>Staff__BootstrapAdmin__Username</c> / <c>__Password</c> are set,
/// creates that admin, so a new installation can be signed into. Hosts starting together may race: the
/// directory's create-if-absent lets exactly one of them create it. Never logs the password or its hash.
/// </summary>
public sealed partial class StaffBootstrap(StaffAccountService accounts, IOptions<StaffOptions> options, ILogger<StaffBootstrap> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var bootstrap = options.Value.BootstrapAdmin;
        if (await accounts.HasAdminAsync(cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        if (!bootstrap.IsSet)
        {
            LogNoAdmin(logger);
            return;
        }

        var change = await accounts.CreateAsync(bootstrap.Username!, StaffRole.Admin, bootstrap.Password!, cancellationToken).ConfigureAwait(false);
        if (change.Succeeded)
        {
            LogCreated(logger, change.Account!.Username);
        }
        else if (!await accounts.HasAdminAsync(cancellationToken).ConfigureAwait(false))
        {
            // The name belongs to an agent or supervisor: never promote an existing account silently.
            LogNameTaken(logger, StaffNames.Normalize(bootstrap.Username!));
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "No staff admin exists yet: set Staff__BootstrapAdmin__Username and Staff__BootstrapAdmin__Password, or run `staff add NAME --role admin`")]
    private static partial void LogNoAdmin(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Created the bootstrap staff admin {Username} (Staff:BootstrapAdmin)")]
    private static partial void LogCreated(ILogger logger, string username);

    [LoggerMessage(Level = LogLevel.Error, Message = "Staff:BootstrapAdmin:Username names the existing non-admin account {Username}; no admin was created. Choose another name, or run `staff add NAME --role admin`")]
    private static partial void LogNameTaken(ILogger logger, string username);
}
