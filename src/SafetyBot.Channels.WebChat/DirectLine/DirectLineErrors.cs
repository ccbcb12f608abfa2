using Microsoft.AspNetCore.Http;

namespace SafetyBot.Channels.WebChat.DirectLine;

/// <summary>Direct Line error responses: <c>{"error":{"code","message"}}</c> with the matching status.</summary>
public static class DirectLineErrors
{
    public static IResult Error(int status, string code, string message) =>
        Results.Json(new ErrorBody(new ErrorDetail(code, message)), statusCode: status);

    public static IResult BadSyntax(string message) => Error(StatusCodes.Status400BadRequest, "BadSyntax", message);

    public static IResult BadArgument(string message) => Error(StatusCodes.Status400BadRequest, "BadArgument", message);

    public static IResult Unauthorized() => Error(StatusCodes.Status401Unauthorized, "Unauthorized", "An Authorization: Bearer header with a token or secret is required.");

    public static IResult TokenInvalid() => Error(StatusCodes.Status403Forbidden, "TokenInvalid", "The token is not valid.");

    public static IResult TokenExpired() => Error(StatusCodes.Status403Forbidden, "TokenExpired", "The token has expired.");

    public static IResult Forbidden() => Error(StatusCodes.Status403Forbidden, "Forbidden", "The token is not valid for this conversation.");

    public static IResult NotFound() => Error(StatusCodes.Status404NotFound, "NotFound", "Conversation not found.");

    public static IResult TooBig(int limit) => Error(StatusCodes.Status413PayloadTooLarge, "MessageSizeTooBig", $"The activity is larger than {limit} bytes.");

    public static IResult Unavailable() => Error(StatusCodes.Status503ServiceUnavailable, "ServiceUnavailable", "The conversation store is unavailable; please retry shortly.");

    public sealed record ErrorBody(ErrorDetail Error);

    public sealed record ErrorDetail(string Code, string Message);
}
