import BertSlimHost
import BertSlimSDK
import Foundation
import Testing
import Yams

/// The documentation says what the code does: every path docs/architecture.md names exists,
/// and every YAML block in the README, the SDK README and docs/ parses; those that are whole
/// recipes validate against the first-party plugins (with the real MiniLM-L6 and MR files).
@Suite("Documentation", .serialized)
struct DocsTests {
    static let root = TestEnvironment.packageRoot

    static var documents: [URL] {
        let docs = root.appendingPathComponent("docs")
        let pages = ((try? FileManager.default.contentsOfDirectory(atPath: docs.path)) ?? [])
            .filter { $0.hasSuffix(".md") }.sorted().map { docs.appendingPathComponent($0) }
        return [root.appendingPathComponent("README.md"), root.appendingPathComponent("SDK/README.md")] + pages
    }

    /// The ```yaml blocks of a Markdown file.
    static func yamlBlocks(_ file: URL) throws -> [String] {
        var blocks: [String] = [], current: [String]?
        for line in try String(contentsOf: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false) {
            if current == nil, line.trimmingCharacters(in: .whitespaces) == "```yaml" {
                current = []
            } else if current != nil, line.trimmingCharacters(in: .whitespaces) == "```" {
                blocks.append(current!.joined(separator: "\n"))
                current = nil
            } else {
                current?.append(String(line))
            }
        }
        return blocks
    }

    @Test("every path docs/architecture.md names exists")
    func architecturePathsExist() throws {
        let text = try String(contentsOf: Self.root.appendingPathComponent("docs/architecture.md"), encoding: .utf8)
        let pattern = try NSRegularExpression(pattern: #"(?:Sources|SDK|Plugins|Tests|docs|scripts|recipes)/[A-Za-z0-9_./+-]*"#)
        let paths = Set(pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap {
            Range($0.range, in: text).map { String(text[$0]).trimmingCharacters(in: CharacterSet(charactersIn: ".,")) }
        })
        #expect(paths.count > 20)
        for path in paths.sorted() {
            #expect(FileManager.default.fileExists(atPath: Self.root.appendingPathComponent(path).path), "docs/architecture.md names \(path)")
        }
    }

    @Test("every YAML block in the docs parses, and every recipe among them validates")
    func yamlBlocksValidate() throws {
        let workspace = try TestEnvironment.temporaryFolder("docs-recipes")
        for split in ["train", "dev", "test"] {
            let lines = try String(contentsOf: RecipeFixtures.mr.appendingPathComponent("\(split).tsv"), encoding: .utf8)
                .split(separator: "\n").prefix(60)
            try (lines.joined(separator: "\n") + "\n").write(to: workspace.appendingPathComponent("\(split).tsv"), atomically: true, encoding: .utf8)
        }
        let minilm = Self.root.appendingPathComponent("assets/model/minilm-l6").path
        let host = firstPartyHost()
        var recipes = 0
        for document in Self.documents {
            for (index, block) in try Self.yamlBlocks(document).enumerated() {
                let name = "\(document.lastPathComponent) YAML block \(index + 1)"
                #expect(throws: Never.self, "\(name) is not YAML") { _ = try Yams.compose(yaml: block) }
                guard block.contains("recipe: 1") else { continue }
                recipes += 1
                // The starting model is the real MiniLM-L6, the data files MR slices beside the recipe.
                let text = block.replacingOccurrences(of: #"teacher: \{model: [^}]*\}"#, with: "teacher: {model: \(minilm)}",
                                                      options: .regularExpression)
                let path = try RecipeFixtures.write(text, "doc-\(recipes).yaml", in: workspace)
                do {
                    try BertSlimHost.Recipe(contentsOf: path).validate(host: host)
                } catch {
                    Issue.record("\(name) does not validate: \(error)")
                }
            }
        }
        #expect(recipes >= 2, "the README's and docs/architecture.md's recipes")
    }
}
