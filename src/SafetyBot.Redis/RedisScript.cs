using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace SafetyBot.Redis;

/// <summary>
/// A Lua script run by its SHA1 (EVALSHA), worked out once: the client otherwise looks every call's whole script text
/// up in its cache of loaded scripts. When Redis does not know the script (it restarted, or its scripts were flushed),
/// it is sent whole once, which loads it again.
/// </summary>
public sealed class RedisScript
{
    private readonly byte[] _sha1;

    public RedisScript(string text)
    {
        ArgumentException.ThrowIfNullOrEmpty(text);
        Text = text;
#pragma warning disable CA5350 // SHA1 is how Redis names a script, not a safeguard.
        _sha1 = SHA1.HashData(Encoding.UTF8.GetBytes(text));
#pragma warning restore CA5350
    }

    public string Text { get; }

    public async Task<RedisResult> EvaluateAsync(IDatabase db, RedisKey[] keys, RedisValue[]? values = null)
    {
        ArgumentNullException.ThrowIfNull(db);
        try
        {
            return await db.ScriptEvaluateAsync(_sha1, keys, values).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal))
        {
            return await db.ScriptEvaluateAsync(Text, keys, values).ConfigureAwait(false);
        }
    }
}
