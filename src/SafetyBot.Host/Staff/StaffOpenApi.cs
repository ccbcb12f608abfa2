using Microsoft.AspNetCore.Authorization;
using Microsoft.OpenApi;

namespace SafetyBot.Host.Staff;

/// <summary>
/// The OpenAPI document of the staff API at <c>/openapi/v1.json</c>: every route under <c>/api/staff</c>
/// (including ones added later), the session cookie as its security scheme, and the <c>X-CSRF-Token</c> header on
/// every state-changing operation that needs it.
/// </summary>
public static class StaffOpenApi
{
    public const string DocumentName = "v1";
    private const string CookieScheme = "staffSession";

    public static IServiceCollection AddStaffOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(DocumentName, options =>
        {
            options.ShouldInclude = description =>
                description.RelativePath?.StartsWith(StaffAuthentication.ApiPrefix.TrimStart('/'), StringComparison.OrdinalIgnoreCase) == true;
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "SafetyBot staff API",
                    Version = DocumentName,
                    Description = "The hotline console's API. Sign in with POST /api/staff/session; the session is the HttpOnly cookie "
                        + $"'{StaffAuthentication.CookieName}'. Every state-changing request except signing in needs the header "
                        + $"{StaffAuthentication.CsrfHeader} with the csrfToken that sign-in and GET /api/staff/session return. "
                        + "Errors are {\"error\":{\"code\",\"message\"}}.",
                };
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>(StringComparer.Ordinal);
                document.Components.SecuritySchemes[CookieScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.ApiKey,
                    In = ParameterLocation.Cookie,
                    Name = StaffAuthentication.CookieName,
                    Description = "The staff session cookie set by POST /api/staff/session.",
                };
                return Task.CompletedTask;
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                var metadata = context.Description.ActionDescriptor.EndpointMetadata;
                var anonymous = metadata.OfType<IAllowAnonymous>().Any();
                if (anonymous)
                {
                    return Task.CompletedTask;
                }

                var policies = metadata.OfType<IAuthorizeData>().Select(a => a.Policy).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
                operation.Description = string.Join(" ", new[] { operation.Description, $"Needs a staff session{(policies.Count > 0 ? " (policy: " + string.Join(", ", policies) + ")" : string.Empty)}." }
                    .Where(s => !string.IsNullOrEmpty(s)));
                operation.Security ??= [];
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(CookieScheme, context.Document)] = [] });

                var method = context.Description.HttpMethod ?? "GET";
                if (!HttpMethods.IsGet(method) && !HttpMethods.IsHead(method) && !metadata.OfType<CsrfExemptAttribute>().Any())
                {
                    operation.Parameters ??= [];
                    operation.Parameters.Add(new OpenApiParameter
                    {
                        Name = StaffAuthentication.CsrfHeader,
                        In = ParameterLocation.Header,
                        Required = true,
                        Description = "The csrfToken of this session (403 CsrfTokenMissing or CsrfTokenInvalid without it).",
                        Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                    });
                }

                return Task.CompletedTask;
            });
        });
}
