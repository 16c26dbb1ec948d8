// A multi-series line chart written as SVG text (no dependencies): one or more panels in a grid, each with
// nice axis ticks, grid lines, a title (and an optional note) and axis labels, under one figure title, and one
// legend below that names each run by colour and, when a figure mixes line styles, what each style means.
// A series may carry a band (mean ± standard error across runs): shaded around a line, error bars on markers.

import Foundation

public struct ChartPoint: Sendable, Equatable {
    public var x: Double
    public var y: Double
    public init(x: Double, y: Double) { self.x = x; self.y = y }
}

public struct ChartSeries: Sendable {
    public enum Style: Int, Sendable, CaseIterable {
        /// A solid line (a per-step metric).
        case line
        /// A dashed line through circles (held-out evaluations).
        case circles
        /// A dotted line through squares (a second kind of sparse point, e.g. greedy accuracy).
        case squares
    }

    /// The legend name (the run).
    public var run: String
    /// Index into the palette; the same run has the same colour in every chart.
    public var color: Int
    public var style: Style
    public var points: [ChartPoint]
    /// The largest magnitude drawn.
    public static let largest = 1e300
    /// Half-width of a band around each point (mean ± standard error across runs); empty or all 0 = none.
    public var spread: [Double]

    public init(run: String, color: Int, style: Style = .line, points: [ChartPoint]) {
        self.init(run: run, color: color, style: style, banded: points.map { BandPoint(x: $0.x, y: $0.y, spread: 0, n: 1) })
    }

    /// A series with a band: a shaded area around a line, error bars on markers.
    public init(run: String, color: Int, style: Style = .line, banded: [BandPoint]) {
        self.run = run
        self.color = color
        self.style = style
        // Non-finite values, and values beyond ±1e300 (no axis can show them next to ordinary ones), are not drawn.
        let kept = banded.filter { abs($0.x) <= ChartSeries.largest && abs($0.y) <= ChartSeries.largest
            && abs($0.spread) <= ChartSeries.largest }.sorted { $0.x < $1.x }
        points = kept.map { ChartPoint(x: $0.x, y: $0.y) }
        spread = kept.map(\.spread)
    }

    var hasBand: Bool { spread.contains { $0 > 0 } }
}

public struct ChartPanel: Sendable {
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [ChartSeries]
    /// Values the y axis must show even without data there (0 and 1 for accuracies).
    public var yIncludes: [Double]
    /// A remark under the title (e.g. that a regime cannot clip with the runs' ε).
    public var note: String?

    public init(title: String, xLabel: String = "step", yLabel: String, series: [ChartSeries], yIncludes: [Double] = [],
                note: String? = nil) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series.filter { !$0.points.isEmpty }
        self.yIncludes = yIncludes
        self.note = note
    }

    public var hasData: Bool { !series.isEmpty }
}

public struct SVGChart: Sendable {
    public var title: String
    public var panels: [ChartPanel]
    public var columns: Int
    /// What each line style stands for; shown in the legend when the figure uses more than one style.
    public var styleLabels: [ChartSeries.Style: String]

    public static let palette = ["#4e79a7", "#f28e2b", "#e15759", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#9c755f",
                                 "#ff9da7", "#bab0ac"]

    public init(title: String, panels: [ChartPanel], columns: Int = 1, styleLabels: [ChartSeries.Style: String] = [:]) {
        self.title = title
        self.panels = panels.filter(\.hasData)
        self.columns = max(1, min(columns, self.panels.count))
        self.styleLabels = styleLabels
    }

    public var hasData: Bool { !panels.isEmpty }

    var panelSize: (width: Double, height: Double) { columns == 1 ? (640, 360) : (440, 280) }
    static let titleHeight = 40.0

    /// The whole SVG document.
    public func render() -> String {
        let (w, h) = panelSize
        let rows = (panels.count + columns - 1) / columns
        let width = w * Double(columns)
        let legend = legendEntries()
        let legendLines = legendLayout(legend, width: width)
        let legendHeight = Double(legendLines.count) * 20 + 12
        let height = Self.titleHeight + h * Double(rows) + legendHeight
        var svg = """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" \
        viewBox="0 0 \(Int(width)) \(Int(height))" font-family="Helvetica, Arial, sans-serif" font-size="12">
        <rect x="0" y="0" width="\(Int(width))" height="\(Int(height))" fill="white"/>
        <text x="\(f(width / 2))" y="26" text-anchor="middle" font-size="17" font-weight="bold">\(xmlEscape(title))</text>

        """
        // One x axis for every panel, so the panels line up step for step.
        let xs = panels.flatMap { $0.series.flatMap { $0.points.map(\.x) } }
        let xScale = AxisScale(covering: xs, targetTicks: w > 500 ? 8 : 6, integer: true)
        for (i, panel) in panels.enumerated() {
            let x0 = Double(i % columns) * w, y0 = Self.titleHeight + Double(i / columns) * h
            svg += renderPanel(panel, xScale: xScale, x: x0, y: y0, width: w, height: h)
        }
        svg += renderLegend(legendLines, y: Self.titleHeight + h * Double(rows) + 4)
        return svg + "</svg>\n"
    }

    /// One panel: frame, grid, ticks, labels, then the series.
    func renderPanel(_ panel: ChartPanel, xScale: AxisScale, x: Double, y: Double, width: Double, height: Double) -> String {
        let left = x + 64, right = x + width - 18, top = y + (panel.note == nil ? 26 : 38), bottom = y + height - 46
        let ys = panel.series.flatMap { s in zip(s.points, s.spread).flatMap { [$0.y - $1, $0.y + $1] } }
        let yScale = AxisScale(covering: ys, includes: panel.yIncludes, targetTicks: 6)
        func px(_ v: Double) -> Double { left + xScale.fraction(v) * (right - left) }
        func py(_ v: Double) -> Double { bottom - yScale.fraction(v) * (bottom - top) }
        var svg = "<g>\n<text x=\"\(f((left + right) / 2))\" y=\"\(f(y + 18))\" text-anchor=\"middle\" font-size=\"13\" "
            + "font-weight=\"bold\">\(xmlEscape(panel.title))</text>\n"
        if let note = panel.note {
            svg += "<text x=\"\(f((left + right) / 2))\" y=\"\(f(y + 32))\" text-anchor=\"middle\" font-size=\"11\" "
                + "fill=\"#a33\">\(xmlEscape(note))</text>\n"
        }
        svg += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(right - left))\" height=\"\(f(bottom - top))\" "
            + "fill=\"none\" stroke=\"#888\" stroke-width=\"1\"/>\n"
        for t in yScale.ticks {
            svg += "<line x1=\"\(f(left))\" y1=\"\(f(py(t)))\" x2=\"\(f(right))\" y2=\"\(f(py(t)))\" stroke=\"#e4e4e4\"/>\n"
            svg += "<text x=\"\(f(left - 6))\" y=\"\(f(py(t) + 4))\" text-anchor=\"end\" fill=\"#333\">\(yScale.label(t))</text>\n"
        }
        for t in xScale.ticks {
            svg += "<line x1=\"\(f(px(t)))\" y1=\"\(f(bottom))\" x2=\"\(f(px(t)))\" y2=\"\(f(bottom + 5))\" stroke=\"#888\"/>\n"
            svg += "<text x=\"\(f(px(t)))\" y=\"\(f(bottom + 18))\" text-anchor=\"middle\" fill=\"#333\">\(xScale.label(t))</text>\n"
        }
        svg += "<text x=\"\(f((left + right) / 2))\" y=\"\(f(bottom + 36))\" text-anchor=\"middle\">\(xmlEscape(panel.xLabel))</text>\n"
        let midY = (top + bottom) / 2
        svg += "<text x=\"\(f(x + 16))\" y=\"\(f(midY))\" text-anchor=\"middle\" "
            + "transform=\"rotate(-90 \(f(x + 16)) \(f(midY)))\">\(xmlEscape(panel.yLabel))</text>\n"
        for series in panel.series where series.hasBand {
            svg += renderBand(series, px: px, py: py)
        }
        for series in panel.series {
            svg += renderSeries(series, points: series.points.map { (px($0.x), py($0.y)) })
        }
        return svg + "</g>\n"
    }

    /// A shaded band (line style) or error bars (marker styles) of ± the series' spread.
    func renderBand(_ series: ChartSeries, px: (Double) -> Double, py: (Double) -> Double) -> String {
        let color = Self.palette[series.color % Self.palette.count]
        let pairs = Array(zip(series.points, series.spread))
        guard series.style == .line, pairs.count > 1 else {
            return pairs.filter { $0.1 > 0 }.map { p, s in
                "<line x1=\"\(f(px(p.x)))\" y1=\"\(f(py(p.y - s)))\" x2=\"\(f(px(p.x)))\" y2=\"\(f(py(p.y + s)))\" "
                    + "stroke=\"\(color)\" stroke-width=\"1.5\" class=\"band\"/>\n"
            }.joined()
        }
        let upper = pairs.map { "\(f(px($0.0.x))),\(f(py($0.0.y + $0.1)))" }
        let lower = pairs.reversed().map { "\(f(px($0.0.x))),\(f(py($0.0.y - $0.1)))" }
        return "<polygon points=\"\((upper + lower).joined(separator: " "))\" fill=\"\(color)\" fill-opacity=\"0.2\" "
            + "stroke=\"none\" class=\"band\"/>\n"
    }

    /// A polyline in the series' style, with markers for sparse styles and for a lone point.
    func renderSeries(_ series: ChartSeries, points: [(Double, Double)]) -> String {
        let color = Self.palette[series.color % Self.palette.count]
        var svg = ""
        if points.count > 1 {
            let path = points.map { "\(f($0.0)),\(f($0.1))" }.joined(separator: " ")
            svg += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.8\" "
                + "stroke-linejoin=\"round\"\(Self.dash(series.style))/>\n"
        }
        if series.style != .line || points.count == 1 {
            for (x, y) in points { svg += Self.marker(series.style, x: x, y: y, color: color) }
        }
        return svg
    }

    static func dash(_ style: ChartSeries.Style) -> String {
        switch style {
        case .line: return ""
        case .circles: return " stroke-dasharray=\"6 4\""
        case .squares: return " stroke-dasharray=\"2 3\""
        }
    }

    static func marker(_ style: ChartSeries.Style, x: Double, y: Double, color: String) -> String {
        switch style {
        case .squares:
            return "<rect x=\"\(f(x - 3.5))\" y=\"\(f(y - 3.5))\" width=\"7\" height=\"7\" fill=\"\(color)\"/>\n"
        case .line, .circles:
            return "<circle cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"3.5\" fill=\"\(color)\"/>\n"
        }
    }
}

// MARK: - Legend

extension SVGChart {
    enum LegendEntry: Equatable {
        case run(String, color: Int)
        case style(ChartSeries.Style, String)

        var text: String {
            switch self {
            case .run(let name, _): return name
            case .style(_, let label): return label
            }
        }
        /// Estimated width: swatch, gap, about 7 px a character, spacing.
        var width: Double { 34 + 7 * Double(text.count) + 18 }
    }

    /// Runs in first-seen order, then the styles in use when there is more than one.
    func legendEntries() -> [LegendEntry] {
        var entries: [LegendEntry] = []
        var styles = Set<ChartSeries.Style>()
        for series in panels.flatMap(\.series) {
            styles.insert(series.style)
            let entry = LegendEntry.run(series.run, color: series.color)
            if !entries.contains(entry) { entries.append(entry) }
        }
        if styles.count > 1 {
            for style in ChartSeries.Style.allCases where styles.contains(style) {
                entries.append(.style(style, styleLabels[style] ?? "\(style)"))
            }
        }
        return entries
    }

    /// Entries wrapped into lines that fit the figure's width; the style key on a line of its own.
    func legendLayout(_ entries: [LegendEntry], width: Double) -> [[LegendEntry]] {
        var lines: [[LegendEntry]] = [[]]
        var used = 0.0
        for (i, entry) in entries.enumerated() {
            // The style key starts its own line, after the runs.
            let firstStyle: Bool
            if case .style = entry, i > 0, case .run = entries[i - 1] { firstStyle = true } else { firstStyle = false }
            if used + entry.width > width - 40 || firstStyle, !lines[lines.count - 1].isEmpty {
                lines.append([])
                used = 0
            }
            lines[lines.count - 1].append(entry)
            used += entry.width
        }
        return lines
    }

    func renderLegend(_ lines: [[LegendEntry]], y: Double) -> String {
        var svg = "<g font-size=\"12\">\n"
        for (row, line) in lines.enumerated() {
            var x = 28.0
            let cy = y + 12 + Double(row) * 20
            for entry in line {
                switch entry {
                case .run(_, let color):
                    let c = Self.palette[color % Self.palette.count]
                    svg += "<line x1=\"\(f(x))\" y1=\"\(f(cy))\" x2=\"\(f(x + 26))\" y2=\"\(f(cy))\" stroke=\"\(c)\" stroke-width=\"3\"/>\n"
                case .style(let style, _):
                    svg += "<line x1=\"\(f(x))\" y1=\"\(f(cy))\" x2=\"\(f(x + 26))\" y2=\"\(f(cy))\" stroke=\"#555\" "
                        + "stroke-width=\"1.8\"\(Self.dash(style))/>\n"
                    if style != .line { svg += Self.marker(style, x: x + 13, y: cy, color: "#555") }
                }
                svg += "<text x=\"\(f(x + 32))\" y=\"\(f(cy + 4))\">\(xmlEscape(entry.text))</text>\n"
                x += entry.width
            }
        }
        return svg + "</g>\n"
    }
}

/// A coordinate with one decimal.
fileprivate func f(_ v: Double) -> String { String(format: "%.1f", v) }

/// Text escaped for XML content and attribute values.
func xmlEscape(_ text: String) -> String {
    var out = ""
    for c in text {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        default: out.append(c)
        }
    }
    return out
}
