import BertSlimHost
import BertSlimLedger
import Foundation
import Testing

/// `runs report`: a self-contained page whose markers carry their origin, checked as text and
/// in a headless Chromium (layout, hover titles, the rendered picture).
@Suite("Frontier report")
struct FrontierReportTests {
    /// Three runs of one task, 7 models of which 5 have an accuracy and a latency.
    static func comparison() throws -> ModelComparison {
        let ledger = try Ledger()
        let m = LedgerTestSupport.scored
        let points: [[ModelResult]] = [
            [try m("teacher", 22_713_986, 90_867_952, nil, [:]), try m("stages[0].finetune", 22_714_756, 90_871_032, 0.846, [1: 14.9, 8: 114])],
            [try m("teacher", 22_714_756, 90_871_032, 0.846, [1: 15.2]), try m("stages[0].distill", 17_400_000, 69_600_000, 0.81, [1: 7.6]),
             try m("stages[1].quantize", 17_400_000, 17_550_000, 0.80, [1: 3.1])],
            [try m("teacher", 22_714_756, 90_871_032, 0.846, [:]), try m("stages[0].prune <heads>", 21_290_000, 85_160_000, 0.84, [1: 12.0])],
        ]
        for (i, models) in points.enumerated() {
            let recorder = LedgerRecorder(ledger: ledger)
            try recorder.runStarted(LedgerTestSupport.description(folder: "/runs/r\(i)"))
            recorder.stageEnded(StageOutcome(point: "p0", stage: 0, type: "x", reused: false, models: models, exports: []))
        }
        return ModelComparison(try ledger.models(task: "mr"), split: "test", batchSize: 1)
    }

    @Test func thePageIsSelfContainedAndEveryDrawnModelCarriesItsOrigin() throws {
        let comparison = try Self.comparison()
        let html = FrontierReport(comparison, task: "mr").render()
        let outside = html.replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "")
        #expect(!outside.contains("<script") && !outside.contains("http") && !outside.contains("<link") && !outside.contains("src="))
        #expect(html.components(separatedBy: "<g class=\"model").count - 1 == 5)
        #expect(html.components(separatedBy: "<g class=\"model pareto\"").count - 1 == comparison.paretoOptimal.count)
        #expect(html.contains("origin: stages[0].prune &lt;heads&gt;"), "escaped")
        #expect(html.contains("<tr class=\"front\">"))
        #expect(html.contains("7 models from 3 runs"))
        #expect(html.components(separatedBy: "\">run ").count - 1 == 3, "one legend line per run")
        #expect(html.components(separatedBy: "<tr").count - 1 == 1 + 7, "a table row for every model, drawn or not")
    }

    static var chromium: String? {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// CI installs Chromium (.ci/run); elsewhere the test runs where it is installed.
    @Test(.enabled(if: chromium != nil || ProcessInfo.processInfo.environment["CI"] != nil, "needs Chromium (apt-get install chromium)"))
    func inAHeadlessBrowserEveryMarkerIsInsideTheChartAndHasItsTitle() throws {
        let browser = try #require(Self.chromium, "CI must install Chromium (.ci/run)")
        let comparison = try Self.comparison()
        let folder = try LedgerTestSupport.folder("browser")
        let page = folder + "/frontier.html"
        // The report as written, plus a probe that reports what the browser laid out.
        let probe = """
            <script>addEventListener('load', () => {
              const svg = document.querySelector('svg').getBoundingClientRect(), out = [];
              for (const g of document.querySelectorAll('g.model')) {
                const c = g.querySelector('circle.dot').getBoundingClientRect();
                out.push({title: g.querySelector('title').textContent, pareto: g.classList.contains('pareto'),
                  inside: c.left >= svg.left && c.right <= svg.right && c.top >= svg.top && c.bottom <= svg.bottom, width: c.width});
              }
              const pre = document.createElement('pre'); pre.id = 'probe';
              pre.textContent = JSON.stringify({svg: [svg.width, svg.height], models: out,
                overflow: document.documentElement.scrollWidth > innerWidth, rows: document.querySelectorAll('tr').length});
              document.body.appendChild(pre);
            });</script></body>
            """
        try FrontierReport(comparison, task: "mr").render().replacingOccurrences(of: "</body>", with: probe)
            .write(toFile: page, atomically: true, encoding: .utf8)
        let dom = try Self.run(browser, ["--dump-dom", "--virtual-time-budget=3000", "--window-size=1200,900", "file://" + page])
        let json = try #require(dom.components(separatedBy: "<pre id=\"probe\">").last?.components(separatedBy: "</pre>").first)
        struct Probe: Decodable {
            struct Model: Decodable { var title: String; var pareto: Bool; var inside: Bool; var width: Double }
            var svg: [Double]; var models: [Model]; var overflow: Bool; var rows: Int
        }
        let laidOut = try JSONDecoder().decode(Probe.self, from: Data(json.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&").utf8))
        #expect(laidOut.svg == [900, 520])
        #expect(laidOut.models.count == 5 && laidOut.rows == 8 && !laidOut.overflow)
        #expect(laidOut.models.allSatisfy { $0.inside })
        #expect(laidOut.models.filter(\.pareto).count == comparison.paretoOptimal.count)
        for origin in ["stages[0].finetune", "stages[0].distill", "stages[1].quantize", "stages[0].prune <heads>"] {
            #expect(laidOut.models.contains { $0.title.contains("origin: \(origin)") }, "no marker titled \(origin)")
        }
        // Bigger files draw bigger markers: the int8 model's is the smallest.
        let quantized = try #require(laidOut.models.first { $0.title.contains("quantize") })
        #expect(laidOut.models.allSatisfy { $0.width >= quantized.width })
        // And the page renders to a picture.
        let png = folder + "/frontier.png"
        _ = try Self.run(browser, ["--screenshot=" + png, "--window-size=1000,900", "file://" + page])
        let picture = try Data(contentsOf: URL(fileURLWithPath: png))
        #expect(picture.starts(with: [0x89, 0x50, 0x4E, 0x47]) && picture.count > 20_000)
    }

    /// Runs headless Chromium with `arguments`, at most 90 seconds; returns its standard output.
    static func run(_ browser: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: browser)
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"] + arguments
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("chromium-\(UUID().uuidString).out")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        let handle = try FileHandle(forWritingTo: output)
        defer { try? FileManager.default.removeItem(at: output) }
        process.standardOutput = handle
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(90)
        while process.isRunning && Date() < deadline { usleep(100_000) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        try handle.close()
        return try String(contentsOf: output, encoding: .utf8)
    }
}
