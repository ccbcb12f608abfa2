namespace SafetyBot.Telegram.Emulator;

/// <summary>An error answer of the Bot API: <c>{"ok":false,"error_code":..,"description":..}</c>.</summary>
internal sealed class ApiError : Exception
{
    public ApiError()
        : this(500, "Internal Server Error")
    {
    }

    public ApiError(string message)
        : this(400, message)
    {
    }

    public ApiError(string message, Exception innerException)
        : base(message, innerException)
    {
        StatusCode = 400;
        Description = message;
    }

    public ApiError(int statusCode, string description, int? retryAfter = null)
        : base(description)
    {
        StatusCode = statusCode;
        Description = description;
        RetryAfter = retryAfter;
    }

    public int StatusCode { get; }

    public string Description { get; } = string.Empty;

    public int? RetryAfter { get; }

    public static ApiError BadRequest(string detail) => new(400, "Bad Request: " + detail);
}
