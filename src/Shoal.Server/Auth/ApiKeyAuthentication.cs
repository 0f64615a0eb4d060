using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Shoal.Server.Auth;

/// <summary>The keys in force: from options and configuration; empty means authentication is off.</summary>
internal sealed class ApiKeyStore(IReadOnlyList<NamedApiKey> keys)
{
    private readonly (byte[] Hash, ApiScopes Scopes, string Name)[] _keys = [.. keys.Select(k => (Hash(k.Key.Key), k.Key.Scopes, k.Name))];

    public bool Enabled => _keys.Length > 0;

    /// <summary>
    /// The scopes of <paramref name="presented"/> (of every entry that holds it) and the name of the first such entry, or
    /// null when it is no key. Compares hashes in fixed time. The name is the key's configured name or its position,
    /// never derived from the secret: a logged name must not let anyone confirm a guessed key.
    /// </summary>
    public (ApiScopes Scopes, string Name)? Find(string presented)
    {
        var hash = Hash(presented);
        ApiScopes? found = null;
        string? name = null;
        foreach (var (candidate, scopes, candidateName) in _keys)
        {
            if (CryptographicOperations.FixedTimeEquals(candidate, hash))
            {
                found = (found ?? ApiScopes.None) | scopes;
                name ??= candidateName;
            }
        }

        return found is { } all ? (all, name!) : null;
    }

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}

/// <summary>
/// <c>Authorization: Bearer KEY</c> → a principal with one <c>scope</c> claim per scope. Challenges (401) and
/// forbids (403) answer with problem details. With no keys configured, every caller gets every scope. Shoal's endpoints
/// name this scheme in their policies; it is an application's default only when it is the application's one scheme
/// (see AddShoalServer).
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeyStore keys) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    /// <summary>Named after Shoal so it does not collide with a scheme of the application it is mounted in.</summary>
    public const string SchemeName = "Shoal.ApiKey";
    public const string ScopeClaim = "scope";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!keys.Enabled)
        {
            return Task.FromResult(Success(ApiScopes.All, "anonymous"));
        }

        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult(AuthenticateResult.Fail("The Authorization header must be 'Bearer KEY'."));
        }

        var presented = header["Bearer ".Length..].Trim();
        return Task.FromResult(keys.Find(presented) is { } found
            ? Success(found.Scopes, found.Name)
            : AuthenticateResult.Fail("Unknown API key."));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Bearer";
        return Problems.WriteAsync(Context, StatusCodes.Status401Unauthorized, "Unauthorized",
            "Send a valid API key as 'Authorization: Bearer KEY'.", "Authorization");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        var needed = Context.GetEndpoint()?.Metadata.GetMetadata<RequiredScope>()?.Scope.ToString().ToLowerInvariant() ?? "another";
        return Problems.WriteAsync(Context, StatusCodes.Status403Forbidden, "Forbidden",
            $"This API key lacks the '{needed}' scope.", "Authorization");
    }

    private AuthenticateResult Success(ApiScopes scopes, string name)
    {
        var claims = new List<Claim> { new(ClaimTypes.Name, name) };
        foreach (var scope in new[] { ApiScopes.Produce, ApiScopes.Read, ApiScopes.Admin })
        {
            if (scopes.HasFlag(scope))
            {
                claims.Add(new Claim(ScopeClaim, scope.ToString().ToLowerInvariant()));
            }
        }

        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }
}

/// <summary>Endpoint metadata: the scope an endpoint requires.</summary>
internal sealed record RequiredScope(ApiScopes Scope)
{
    public string Name => Scope.ToString().ToLowerInvariant();

    /// <summary>An API key with this scope: authenticated by <see cref="ApiKeyAuthenticationHandler"/> alone, whatever the application's default scheme.</summary>
    public AuthorizationPolicy ApiKeyPolicy => new AuthorizationPolicyBuilder(ApiKeyAuthenticationHandler.SchemeName)
        .RequireClaim(ApiKeyAuthenticationHandler.ScopeClaim, Name)
        .Build();
}
