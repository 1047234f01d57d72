import BertSlimFuzz
import Foundation
import Testing

/// The fuzz targets' seed corpora and every minimised crash (`Tests/Fuzz`), replayed through
/// the same code libFuzzer runs (`make fuzz`), without sanitizers: a crash that was fixed stays
/// fixed, and the seeds are inputs the readers accept.
@Suite(.serialized) struct FuzzCorpusTests {
    static let fuzz = TestEnvironment.packageRoot.appendingPathComponent("Tests/Fuzz")
    static let workspace = Result { try FuzzWorkspace(root: try TestEnvironment.temporaryFolder("fuzz").path,
                                                      repository: TestEnvironment.packageRoot.path) }

    static func inputs(_ kind: String, _ target: FuzzTarget) -> [URL] {
        let folder = fuzz.appendingPathComponent("\(kind)/\(target.rawValue)")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.sorted().map { folder.appendingPathComponent($0) }
    }

    @Test(arguments: FuzzTarget.allCases)
    func seedsAreRead(_ target: FuzzTarget) throws {
        let seeds = Self.inputs("corpus", target)
        #expect(!seeds.isEmpty, "no seeds for \(target.rawValue)")
        let workspace = try Self.workspace.get()
        for seed in seeds {
            let error = target.run(Array(try Data(contentsOf: seed)), in: workspace)
            // Recipes written for MiniLM may ask more of the tiny model than it has; descriptors
            // include refused ones on purpose. Every other seed is a file the reader accepts.
            if target != .recipe && target != .descriptor {
                #expect(error == nil, "\(seed.lastPathComponent): \(String(describing: error))")
            }
        }
    }

    @Test(arguments: FuzzTarget.allCases)
    func crashesStayFixed(_ target: FuzzTarget) throws {
        let workspace = try Self.workspace.get()
        for crash in Self.inputs("crashes", target) {
            _ = target.run(Array(try Data(contentsOf: crash)), in: workspace)
        }
    }
}
