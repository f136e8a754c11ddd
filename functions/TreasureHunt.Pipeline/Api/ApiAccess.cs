using System.ComponentModel.DataAnnotations;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using TreasureHunt.Pipeline.Queries;

namespace TreasureHunt.Pipeline.Api;

/// <summary>How callers prove a role (section <c>Access</c>): a key per role in the <c>x-functions-key</c> header, and in
/// Azure the Microsoft Entra ID principal App Service Authentication forwards. An empty key matches nothing.</summary>
public sealed class ApiAccessOptions
{
    public const string Section = "Access";

    /// <summary>Key of the reader role (the local host).</summary>
    public string ReaderKey { get; set; } = "";

    /// <summary>
    /// SHA-256 (hex) of a reader key: what the Functions app holds where the deployment's readerKeySha256 parameter
    /// enables a reader key, so the key itself is in no app setting.
    /// </summary>
    [RegularExpression("^([0-9a-fA-F]{64})?$", ErrorMessage = $"{Section}:ReaderKeySha256 must be empty or 64 hex digits (the SHA-256 of the reader key).")]
    public string ReaderKeySha256 { get; set; } = "";

    /// <summary>Key of the operator role (the local host only: the Functions app refuses to start with one).</summary>
    public string OperatorKey { get; set; } = "";

    /// <summary>Key of the ingest role (the local host only).</summary>
    public string IngestKey { get; set; } = "";

    /// <summary>
    /// Take the caller's app roles from the X-MS-CLIENT-PRINCIPAL header. Only behind App Service Authentication, which
    /// sets that header and refuses it from outside (https://learn.microsoft.com/azure/app-service/configure-authentication-user-identities);
    /// anywhere else a caller could forge it, so the local host refuses to start with this on.
    /// </summary>
    public bool EasyAuth { get; set; }
}

/// <summary>Source-generated from the attributes of <see cref="ApiAccessOptions"/>.</summary>
[Microsoft.Extensions.Options.OptionsValidator]
internal sealed partial class ApiAccessOptionsValidator : IValidateOptions<ApiAccessOptions>;

/// <summary>
/// The one authorization step of both hosts: given a route's role and the request headers, null (go on) or the problem
/// to answer — 401 without valid credentials, 403 with credentials that lack the role.
/// </summary>
public sealed class ApiAccess
{
    public const string KeyHeader = "x-functions-key";
    public const string PrincipalHeader = "X-MS-CLIENT-PRINCIPAL";

    /// <summary>The app roles of the app registration (Bicep's docs, docs/deploy.md) and the role each grants.</summary>
    public static readonly IReadOnlyDictionary<string, ApiRole> AppRoles = new Dictionary<string, ApiRole>(StringComparer.Ordinal)
    {
        ["TreasureHunt.Read"] = ApiRole.Reader,
        ["TreasureHunt.Operate"] = ApiRole.Operator,
    };

    private readonly (ApiKeyCheck Key, ApiRole Role)[] _keys;
    private readonly bool _easyAuth;

    public ApiAccess(IOptions<ApiAccessOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var o = options.Value;
        _keys =
        [
            (ApiKeyCheck.Create(o.ReaderKey), ApiRole.Reader), (ApiKeyCheck.FromSha256(o.ReaderKeySha256), ApiRole.Reader),
            (ApiKeyCheck.Create(o.OperatorKey), ApiRole.Operator), (ApiKeyCheck.Create(o.IngestKey), ApiRole.Ingest),
        ];
        _easyAuth = o.EasyAuth;
    }

    public ApiResponse? Authorize(ApiRole required, IHeaderDictionary headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        if (required == ApiRole.Anonymous) return null;
        var roles = RolesOf(headers);
        if (roles is null)
        {
            return ApiResponse.Problem(401, "Unauthorized", _easyAuth
                ? "a Microsoft Entra ID access token for this API is required (Authorization: Bearer)"
                : $"a valid key is required in the {KeyHeader} header");
        }
        return roles.Contains(required)
            ? null
            : ApiResponse.Problem(403, "Forbidden", $"this route needs the {Name(required)} role, which the caller does not hold");
    }

    /// <summary>The role's name as the API documents it (the app role in Azure, the key file's name locally).</summary>
    public static string Name(ApiRole role) => role switch
    {
        ApiRole.Reader => "reader (TreasureHunt.Read)",
        ApiRole.Operator => "operator (TreasureHunt.Operate)",
        ApiRole.Ingest => "ingest",
        _ => "anonymous",
    };

    /// <summary>The caller's roles, or null when it presents no valid credentials.</summary>
    private HashSet<ApiRole>? RolesOf(IHeaderDictionary headers)
    {
        HashSet<ApiRole>? roles = null;
        var key = headers[KeyHeader].ToString();
        if (key.Length > 0)
        {
            // Every key is compared (constant time each), so the answer's timing does not tell which role a key is close to.
            foreach (var (check, role) in _keys)
            {
                if (check.Matches(key)) (roles ??= []).Add(role);
            }
        }
        if (_easyAuth && ClientPrincipal.TryParse(headers[PrincipalHeader].ToString(), out var appRoles))
        {
            roles ??= [];
            foreach (var appRole in appRoles)
            {
                if (AppRoles.TryGetValue(appRole, out var role)) roles.Add(role);
            }
        }
        return roles;
    }
}

/// <summary>
/// The X-MS-CLIENT-PRINCIPAL header of App Service Authentication: Base64 of JSON
/// <c>{"auth_typ":…,"claims":[{"typ":…,"val":…}],"name_typ":…,"role_typ":…}</c>
/// (https://learn.microsoft.com/azure/app-service/configure-authentication-user-identities#decode-the-client-principal-header).
/// </summary>
internal static class ClientPrincipal
{
    /// <summary>The claim type of an access token's app roles (the <c>roles</c> claim).</summary>
    public const string RolesClaim = "roles";

    /// <summary>True with the principal's role claims (those of type <c>role_typ</c> or <c>roles</c>) when the header is a principal.</summary>
    public static bool TryParse(string? header, out IReadOnlyList<string> roles)
    {
        roles = [];
        if (string.IsNullOrEmpty(header)) return false;
        try
        {
            using var json = JsonDocument.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(header)));
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("claims", out var claims) || claims.ValueKind != JsonValueKind.Array) return false;
            var roleType = root.TryGetProperty("role_typ", out var rt) && rt.ValueKind == JsonValueKind.String ? rt.GetString() : null;
            var found = new List<string>();
            foreach (var claim in claims.EnumerateArray())
            {
                if (claim.ValueKind == JsonValueKind.Object
                    && claim.TryGetProperty("typ", out var typ) && typ.ValueKind == JsonValueKind.String
                    && claim.TryGetProperty("val", out var val) && val.ValueKind == JsonValueKind.String
                    && (typ.GetString() == RolesClaim || (roleType is not null && typ.GetString() == roleType)))
                {
                    found.Add(val.GetString()!);
                }
            }
            roles = found;
            return true;
        }
        catch (Exception e) when (e is FormatException or JsonException or DecoderFallbackException)
        {
            return false;
        }
    }
}
