using System.Globalization;
using System.Text;
using System.Xml;

namespace Shoal.Cli.Autoscaling;

/// <summary>How a line is drawn.</summary>
internal enum SvgLinePattern
{
    Solid,
    Dashed,
    Dotted,
}

/// <summary>Where a panel's legend sits.</summary>
internal enum SvgLegendCorner
{
    UpperLeft,
    UpperRight,
}

/// <summary>
/// A small SVG line chart: panels stacked on one x axis, each with lines (straight or stepped), horizontal reference
/// lines, a y label, grid, tick labels and a legend; a title on top and the x label under the last panel. Plain text
/// output with no native dependency, so the tool package carries no graphics library.
/// </summary>
internal sealed class SvgChart
{
    private const double Left = 90;
    private const double Right = 20;
    private const double Top = 40;
    private const double Bottom = 55;
    private const double Gap = 35;

    private readonly List<SvgPanel> _panels = [];

    public SvgChart(int width, int height, string title)
    {
        Width = width;
        Height = height;
        Title = title;
    }

    public int Width { get; }

    public int Height { get; }

    public string Title { get; }

    public string XLabel { get; set; } = string.Empty;

    public double XMin { get; set; }

    public double XMax { get; set; } = 1;

    public SvgPanel AddPanel(string yLabel, SvgLegendCorner legend)
    {
        var panel = new SvgPanel(yLabel, legend);
        _panels.Add(panel);
        return panel;
    }

    public void Save(string path) => File.WriteAllText(path, Render(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));

    public string Render()
    {
        var text = new StringBuilder();
        using (var xml = XmlWriter.Create(text, new XmlWriterSettings { Indent = true, OmitXmlDeclaration = true }))
        {
            xml.WriteStartElement("svg", "http://www.w3.org/2000/svg");
            xml.WriteAttributeString("width", Num(Width));
            xml.WriteAttributeString("height", Num(Height));
            xml.WriteAttributeString("viewBox", $"0 0 {Num(Width)} {Num(Height)}");
            xml.WriteAttributeString("font-family", "DejaVu Sans, Arial, Helvetica, sans-serif");
            xml.WriteAttributeString("font-size", "12");
            Rect(xml, 0, 0, Width, Height, fill: "white", stroke: null);
            Text(xml, Width / 2.0, Top / 2 + 5, Title, anchor: "middle", size: 15);

            var plotWidth = Width - Left - Right;
            var panelHeight = (Height - Top - Bottom - Gap * (_panels.Count - 1)) / Math.Max(1, _panels.Count);
            for (var i = 0; i < _panels.Count; i++)
            {
                var area = new Area(Left, Top + i * (panelHeight + Gap), plotWidth, panelHeight);
                WritePanel(xml, _panels[i], area, i, last: i == _panels.Count - 1);
            }

            xml.WriteEndElement();
        }

        return text.ToString();
    }

    private void WritePanel(XmlWriter xml, SvgPanel panel, Area area, int index, bool last)
    {
        var (yMin, yMax) = panel.YRange();
        double X(double x) => area.X + (x - XMin) / (XMax - XMin) * area.Width;
        double Y(double y) => area.Y + area.Height - (y - yMin) / (yMax - yMin) * area.Height;

        var clipId = $"panel{index}";
        xml.WriteStartElement("clipPath");
        xml.WriteAttributeString("id", clipId);
        Rect(xml, area.X, area.Y, area.Width, area.Height, fill: null, stroke: null);
        xml.WriteEndElement();

        foreach (var tick in Ticks(yMin, yMax))
        {
            Line(xml, area.X, Y(tick), area.X + area.Width, Y(tick), "#E0E0E0", 1, SvgLinePattern.Solid);
            Text(xml, area.X - 6, Y(tick) + 4, TickLabel(tick, yMax - yMin), anchor: "end");
        }

        foreach (var tick in Ticks(XMin, XMax))
        {
            Line(xml, X(tick), area.Y, X(tick), area.Y + area.Height, "#E0E0E0", 1, SvgLinePattern.Solid);
            Text(xml, X(tick), area.Y + area.Height + 15, TickLabel(tick, XMax - XMin), anchor: "middle");
        }

        Rect(xml, area.X, area.Y, area.Width, area.Height, fill: null, stroke: "black");
        var labelY = area.Y + area.Height / 2;
        xml.WriteStartElement("text");
        xml.WriteAttributeString("x", Num(area.X - 70));
        xml.WriteAttributeString("y", Num(labelY));
        xml.WriteAttributeString("text-anchor", "middle");
        xml.WriteAttributeString("font-size", "13");
        xml.WriteAttributeString("transform", $"rotate(-90 {Num(area.X - 70)} {Num(labelY)})");
        xml.WriteString(panel.YLabel);
        xml.WriteEndElement();
        if (last && XLabel.Length > 0)
        {
            Text(xml, area.X + area.Width / 2, area.Y + area.Height + 38, XLabel, anchor: "middle", size: 13);
        }

        xml.WriteStartElement("g");
        xml.WriteAttributeString("clip-path", $"url(#{clipId})");
        foreach (var series in panel.Series)
        {
            var points = new StringBuilder();
            foreach (var (x, y) in series.Points(XMin, XMax))
            {
                points.Append(Num(X(x))).Append(',').Append(Num(Y(y))).Append(' ');
            }

            xml.WriteStartElement("polyline");
            xml.WriteAttributeString("fill", "none");
            Stroke(xml, series.Color, series.Width, series.Pattern);
            xml.WriteAttributeString("points", points.ToString().TrimEnd());
            xml.WriteEndElement();
        }

        xml.WriteEndElement();
        WriteLegend(xml, panel, area);
    }

    private static void WriteLegend(XmlWriter xml, SvgPanel panel, Area area)
    {
        if (panel.Series.Count == 0)
        {
            return;
        }

        const double RowHeight = 18;
        const double Sample = 28;
        var width = 24 + Sample + panel.Series.Max(s => s.Label.Length) * 6.6;
        var height = 8 + RowHeight * panel.Series.Count;
        var x = panel.Legend == SvgLegendCorner.UpperLeft ? area.X + 8 : area.X + area.Width - 8 - width;
        var y = area.Y + 8;
        xml.WriteStartElement("rect");
        xml.WriteAttributeString("x", Num(x));
        xml.WriteAttributeString("y", Num(y));
        xml.WriteAttributeString("width", Num(width));
        xml.WriteAttributeString("height", Num(height));
        xml.WriteAttributeString("fill", "white");
        xml.WriteAttributeString("fill-opacity", "0.9");
        xml.WriteAttributeString("stroke", "#999999");
        xml.WriteEndElement();
        for (var i = 0; i < panel.Series.Count; i++)
        {
            var series = panel.Series[i];
            var rowY = y + 4 + RowHeight * i + RowHeight / 2;
            Line(xml, x + 8, rowY, x + 8 + Sample, rowY, series.Color, series.Width, series.Pattern);
            Text(xml, x + 16 + Sample, rowY + 4, series.Label, anchor: "start");
        }
    }

    /// <summary>Round tick values (1, 2 or 5 times a power of ten) covering [min, max], about ten of them.</summary>
    internal static IReadOnlyList<double> Ticks(double min, double max)
    {
        var step = NiceStep((max - min) / 10);
        var ticks = new List<double>();
        for (var tick = Math.Ceiling(min / step) * step; tick <= max + step * 1e-9; tick += step)
        {
            ticks.Add(Math.Abs(tick) < step * 1e-9 ? 0 : tick);
        }

        return ticks;
    }

    private static double NiceStep(double rough)
    {
        if (!(rough > 0) || double.IsInfinity(rough))
        {
            return 1;
        }

        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        var fraction = rough / magnitude;
        return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * magnitude;
    }

    private static string TickLabel(double value, double range)
    {
        var step = NiceStep(range / 10);
        var decimals = step >= 1 ? 0 : (int)Math.Ceiling(-Math.Log10(step));
        return value.ToString("N" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }

    private static void Rect(XmlWriter xml, double x, double y, double width, double height, string? fill, string? stroke)
    {
        xml.WriteStartElement("rect");
        xml.WriteAttributeString("x", Num(x));
        xml.WriteAttributeString("y", Num(y));
        xml.WriteAttributeString("width", Num(width));
        xml.WriteAttributeString("height", Num(height));
        xml.WriteAttributeString("fill", fill ?? "none");
        if (stroke is not null)
        {
            xml.WriteAttributeString("stroke", stroke);
        }

        xml.WriteEndElement();
    }

    private static void Line(XmlWriter xml, double x1, double y1, double x2, double y2, string color, double width, SvgLinePattern pattern)
    {
        xml.WriteStartElement("line");
        xml.WriteAttributeString("x1", Num(x1));
        xml.WriteAttributeString("y1", Num(y1));
        xml.WriteAttributeString("x2", Num(x2));
        xml.WriteAttributeString("y2", Num(y2));
        Stroke(xml, color, width, pattern);
        xml.WriteEndElement();
    }

    private static void Stroke(XmlWriter xml, string color, double width, SvgLinePattern pattern)
    {
        xml.WriteAttributeString("stroke", color);
        xml.WriteAttributeString("stroke-width", Num(width));
        var dashes = pattern switch
        {
            SvgLinePattern.Dashed => "8 5",
            SvgLinePattern.Dotted => "2 4",
            _ => null,
        };
        if (dashes is not null)
        {
            xml.WriteAttributeString("stroke-dasharray", dashes);
        }
    }

    private static void Text(XmlWriter xml, double x, double y, string text, string anchor, int size = 12)
    {
        xml.WriteStartElement("text");
        xml.WriteAttributeString("x", Num(x));
        xml.WriteAttributeString("y", Num(y));
        xml.WriteAttributeString("text-anchor", anchor);
        if (size != 12)
        {
            xml.WriteAttributeString("font-size", Num(size));
        }

        xml.WriteString(text);
        xml.WriteEndElement();
    }

    private static string Num(double value) => Math.Round(value, 1).ToString("0.#", CultureInfo.InvariantCulture);

    private readonly record struct Area(double X, double Y, double Width, double Height);
}

/// <summary>One panel of an <see cref="SvgChart"/>: its lines share the chart's x axis and have their own y axis.</summary>
internal sealed class SvgPanel
{
    internal SvgPanel(string yLabel, SvgLegendCorner legend)
    {
        YLabel = yLabel;
        Legend = legend;
    }

    public string YLabel { get; }

    public SvgLegendCorner Legend { get; }

    /// <summary>Fixes the y axis; without it the axis runs from 0 (or the lowest value, if negative) to 5 % above the highest.</summary>
    public (double Min, double Max)? YLimits { get; set; }

    internal List<SvgSeries> Series { get; } = [];

    /// <summary>A line through (x[i], y[i]); stepped: each value holds until the next x.</summary>
    public void AddLine(string label, IReadOnlyList<double> x, IReadOnlyList<double> y, string color,
        SvgLinePattern pattern = SvgLinePattern.Solid, bool stepped = false)
    {
        if (x.Count != y.Count)
        {
            throw new ArgumentException($"{label}: {x.Count} x values but {y.Count} y values", nameof(y));
        }

        Series.Add(new SvgSeries(label, x, y, color, 2, pattern, stepped, Horizontal: null));
    }

    /// <summary>A line across the whole panel at <paramref name="y"/>.</summary>
    public void AddHorizontalLine(string label, double y, string color, SvgLinePattern pattern) =>
        Series.Add(new SvgSeries(label, [], [], color, 1.5, pattern, Stepped: false, Horizontal: y));

    internal (double Min, double Max) YRange()
    {
        if (YLimits is { } limits)
        {
            return limits;
        }

        var values = Series.SelectMany(s => s.Horizontal is { } h ? [h] : s.Y).Where(double.IsFinite).ToList();
        var min = Math.Min(0, values.Count == 0 ? 0 : values.Min());
        var max = values.Count == 0 ? 1 : values.Max();
        max = max <= min ? min + 1 : max + (max - min) * 0.05;
        return (min, max);
    }
}

/// <summary>A line of a panel.</summary>
internal sealed record SvgSeries(string Label, IReadOnlyList<double> X, IReadOnlyList<double> Y, string Color, double Width,
    SvgLinePattern Pattern, bool Stepped, double? Horizontal)
{
    /// <summary>The vertices to draw, in data coordinates; a stepped line's last value holds until <paramref name="xMax"/>.</summary>
    public IEnumerable<(double X, double Y)> Points(double xMin, double xMax)
    {
        if (Horizontal is { } h)
        {
            yield return (xMin, h);
            yield return (xMax, h);
            yield break;
        }

        for (var i = 0; i < X.Count; i++)
        {
            if (!Stepped)
            {
                yield return (X[i], Y[i]);
                continue;
            }

            if (i == 0)
            {
                yield return (X[0], Y[0]);
            }
            else if (Y[i] != Y[i - 1])
            {
                yield return (X[i], Y[i - 1]);
                yield return (X[i], Y[i]);
            }
        }

        if (Stepped && X.Count > 0)
        {
            yield return (Math.Max(xMax, X[^1]), Y[^1]);
        }
    }
}
