using System.Text;
using Microsoft.Extensions.Options;
using SafetyBot.Core;
using SafetyBot.Core.Staff;
using SafetyBot.Redis;

namespace SafetyBot.Host.Staff;

/// <summary>
/// <c>staff add NAME --role agent|supervisor|admin</c>: creates a staff account in the Redis the hosts use (the
/// same configuration: appsettings.json, environment variables, user-secrets), with the password read as one
/// line from standard input. Prints one line. Exit codes: 0 created, 1 error, 2 usage.
/// </summary>
public static class StaffCommand
{
    public const string Usage = """
        usage: staff add NAME --role agent|supervisor|admin
          Creates a staff account for the hotline console. The password is read as one line from standard input
          (at least 12 characters). Accounts are stored in the Redis named by Redis__Configuration (and Redis__KeyPrefix),
          as the running hosts are configured. Exit code 0 when created, 1 on an error, 2 on a usage error.
        """;

    public static async Task<int> RunAsync(string[] args, TextReader input, TextWriter output, TextWriter error, bool interactive = false)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if (args is ["--help" or "-h" or "help"])
        {
            await output.WriteLineAsync(Usage).ConfigureAwait(false);
            return 0;
        }

        if (args.Length == 0 || args[0] != "add")
        {
            return await UsageErrorAsync(error, args.Length == 0 ? "Missing subcommand." : $"Unknown subcommand '{args[0]}'.").ConfigureAwait(false);
        }

        string? name = null, roleName = null;
        for (var i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--role" when i + 1 < args.Length && roleName is null:
                    roleName = args[++i];
                    break;
                default:
                    if (args[i].StartsWith('-') || name is not null)
                    {
                        return await UsageErrorAsync(error, $"Unexpected argument '{args[i]}'.").ConfigureAwait(false);
                    }

                    name = args[i];
                    break;
            }
        }

        if (name is null)
        {
            return await UsageErrorAsync(error, "Missing the account's NAME.").ConfigureAwait(false);
        }

        if (!StaffNames.IsValid(name))
        {
            return await UsageErrorAsync(error, $"NAME must be {StaffNames.MinLength}–{StaffNames.MaxLength} letters, digits, '.', '_' or '-'.").ConfigureAwait(false);
        }

        if (!StaffNames.TryParseRole(roleName, out var role))
        {
            return await UsageErrorAsync(error, roleName is null ? "Missing --role." : $"--role must be agent, supervisor or admin, not '{roleName}'.").ConfigureAwait(false);
        }

        // Exactly the host's configuration sources (appsettings, environment, user-secrets in Development); nothing is started.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        if (string.IsNullOrWhiteSpace(builder.Configuration["Redis:Configuration"]))
        {
            await error.WriteLineAsync("Redis__Configuration is not set: without Redis, accounts are kept in process and would vanish when this command exits. Set Redis__Configuration (and Redis__KeyPrefix) as for the running hosts.").ConfigureAwait(false);
            return 1;
        }

        if (interactive)
        {
            await error.WriteAsync($"Password for {StaffNames.Normalize(name)} (at least {StaffPasswords.MinLength} characters): ").ConfigureAwait(false);
        }

        var password = interactive ? ReadHidden() : await input.ReadLineAsync().ConfigureAwait(false);
        if (!StaffPasswords.IsAcceptable(password))
        {
            await error.WriteLineAsync($"The password (one line on standard input) must be at least {StaffPasswords.MinLength} characters, and at most {StaffPasswords.MaxLength}.").ConfigureAwait(false);
            return 1;
        }

        builder.Logging.ClearProviders();
        new SafetyBotBuilder(builder.Services).AddSafetyBotRedis();
        builder.Services.AddStaffAccounts();
        try
        {
            await using var host = builder.Build();
            var accounts = host.Services.GetRequiredService<StaffAccountService>();
            var change = await accounts.CreateAsync(name, role, password!, CancellationToken.None).ConfigureAwait(false);
            switch (change.Error)
            {
                case StaffAccountError.None:
                    await output.WriteLineAsync($"Created {StaffNames.RoleName(role)} account '{change.Account!.Username}'.").ConfigureAwait(false);
                    return 0;
                case StaffAccountError.UsernameTaken:
                    await error.WriteLineAsync($"An account named '{StaffNames.Normalize(name)}' already exists; nothing was changed.").ConfigureAwait(false);
                    return 1;
                default:
                    await error.WriteLineAsync($"The account could not be created ({change.Error}).").ConfigureAwait(false);
                    return 1;
            }
        }
        catch (Exception ex) when (ex is OptionsValidationException or InvalidOperationException or StackExchange.Redis.RedisException)
        {
            await error.WriteLineAsync($"The account could not be created: {ex.Message}").ConfigureAwait(false);
            return 1;
        }
    }

    private static async Task<int> UsageErrorAsync(TextWriter error, string problem)
    {
        await error.WriteLineAsync($"{problem}\n{Usage}").ConfigureAwait(false);
        return 2;
    }

    /// <summary>Reads a line from the terminal without echoing it.</summary>
    private static string ReadHidden()
    {
        var password = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                Console.Error.WriteLine();
                return password.ToString();
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (password.Length > 0)
                {
                    password.Length--;
                }
            }
            else if (!char.IsControl(key.KeyChar))
            {
                password.Append(key.KeyChar);
            }
        }
    }
}
