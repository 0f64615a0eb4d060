using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Shoal.Server;

/// <summary>RFC 7807 problem details, each naming the <c>field</c> that is wrong (a JSON path like <c>[3].key</c>, a route value, or a header).</summary>
internal static class Problems
{
    public static IResult Result(int status, string title, string detail, string? field) =>
        TypedResults.Problem(Create(status, title, detail, field));

    public static Task WriteAsync(HttpContext context, int status, string title, string detail, string? field) =>
        Result(status, title, detail, field).ExecuteAsync(context);

    public static ProblemDetails Create(int status, string title, string detail, string? field)
    {
        var problem = new ProblemDetails
        {
            Status = status,
            Title = title,
            Detail = detail,
            Type = $"https://www.rfc-editor.org/rfc/rfc9110#status.{status}",
        };
        if (field is not null)
        {
            problem.Extensions["field"] = field;
        }

        return problem;
    }
}
