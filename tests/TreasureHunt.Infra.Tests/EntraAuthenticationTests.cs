using System.Text.Json.Nodes;

namespace TreasureHunt.Infra.Tests;

/// <summary>
/// Who may call the API in Azure: with the app registration's client id (TH_ENTRA_CLIENT_ID in both parameter files),
/// App Service Authentication validates Microsoft Entra ID tokens for it and refuses requests without one (401) —
/// liveness and the OpenAPI document excepted — and the app trusts the forwarded principal (Access__EasyAuth); no
/// key reaches an app setting (a reader key only as its SHA-256, off by default). Asserted on each profile's snapshot
/// and on the compiled template (the parameters and the resource's condition).
/// </summary>
public sealed class EntraAuthenticationTests
{
    public static readonly TheoryData<string> ParameterFiles = ["main.dev.bicepparam", "main.prod.bicepparam"];

    private static PredictedResource AuthSettings(ProfileSnapshot snapshot) =>
        Assert.Single(snapshot.OfType("Microsoft.Web/sites/config"), c => c.Name.EndsWith("/authsettingsV2", StringComparison.Ordinal));

    private static string? AppSetting(ProfileSnapshot snapshot, string name) =>
        (snapshot.Single("Microsoft.Web/sites").Properties?["siteConfig"]?["appSettings"] as JsonArray ?? [])
            .OfType<JsonObject>().SingleOrDefault(s => s["name"]?.GetValue<string>() == name)?["value"]?.GetValue<string>();

    [Theory]
    [MemberData(nameof(ParameterFiles))]
    public void Each_profile_refuses_unauthenticated_requests_at_the_platform_except_liveness_and_the_document(string parameterFile)
    {
        var auth = AuthSettings(ProfileSnapshot.For(parameterFile)).Properties!;

        Assert.True(auth["platform"]?["enabled"]?.GetValue<bool>());
        var validation = auth["globalValidation"]!;
        Assert.True(validation["requireAuthentication"]?.GetValue<bool>());
        Assert.Equal("Return401", validation["unauthenticatedClientAction"]?.GetValue<string>());
        Assert.Equal(["/api/health", "/api/openapi.json"], (validation["excludedPaths"] as JsonArray ?? []).Select(p => p!.GetValue<string>()));
        Assert.True(auth["httpSettings"]?["requireHttps"]?.GetValue<bool>());
        Assert.False(auth["login"]?["tokenStore"]?["enabled"]?.GetValue<bool>());
    }

    [Theory]
    [MemberData(nameof(ParameterFiles))]
    public void Each_profile_validates_entra_id_tokens_for_the_app_registration(string parameterFile)
    {
        var aad = AuthSettings(ProfileSnapshot.For(parameterFile)).Properties!["identityProviders"]!["azureActiveDirectory"]!;

        Assert.True(aad["enabled"]?.GetValue<bool>());
        Assert.Equal(ProfileSnapshot.EntraClientId, aad["registration"]?["clientId"]?.GetValue<string>());
        // The issuer names the tenant (the deployment's by default: tenant() stays an expression in the snapshot).
        var issuer = aad["registration"]?["openIdIssuer"]?.ToJsonString() ?? "";
        Assert.Contains("v2.0", issuer, StringComparison.Ordinal);
        Assert.Contains($"api://{ProfileSnapshot.EntraClientId}", (aad["validation"]?["allowedAudiences"] as JsonArray ?? []).Select(a => a!.GetValue<string>()));
    }

    [Theory]
    [MemberData(nameof(ParameterFiles))]
    public void The_app_trusts_the_principal_only_behind_the_authentication_and_holds_no_key(string parameterFile)
    {
        var snapshot = ProfileSnapshot.For(parameterFile);

        Assert.Equal("True", AppSetting(snapshot, "Access__EasyAuth"));
        Assert.Equal("", AppSetting(snapshot, "Access__ReaderKeySha256"));
        Assert.Null(AppSetting(snapshot, "Access__ReaderKey"));
        Assert.Null(AppSetting(snapshot, "Access__OperatorKey"));
        Assert.Null(AppSetting(snapshot, "Access__IngestKey"));
    }

    [Fact]
    public void Authentication_exists_only_with_a_client_id_and_a_reader_key_only_lets_tokenless_requests_reach_the_app()
    {
        var parameters = CompiledTemplate.Main.Root["parameters"]!.AsObject();
        Assert.Equal("string", parameters["entraClientId"]?["type"]?.GetValue<string>());
        Assert.Equal("", parameters["entraClientId"]?["defaultValue"]?.GetValue<string>());
        Assert.Equal("", parameters["readerKeySha256"]?["defaultValue"]?.GetValue<string>());
        Assert.Contains("tenant()", parameters["entraTenantId"]?["defaultValue"]?.GetValue<string>(), StringComparison.Ordinal);

        var auth = Assert.Single(CompiledTemplate.Main.OfType("Microsoft.Web/sites/config"), r => r.Name.Contains("authsettingsV2", StringComparison.Ordinal));
        Assert.Contains("empty(parameters('entraClientId'))", auth.Node["condition"]?.GetValue<string>(), StringComparison.Ordinal);
        var validation = auth.Node["properties"]!["globalValidation"]!;
        Assert.Contains("readerKeySha256", validation["unauthenticatedClientAction"]?.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("'AllowAnonymous'", validation["unauthenticatedClientAction"]?.GetValue<string>(), StringComparison.Ordinal);
    }
}
