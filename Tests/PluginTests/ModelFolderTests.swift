import BertSlimHost
import Foundation
import Testing

@Suite("Model folders")
struct ModelFolderTests {
    static let config = BertConfig(vocabSize: 40, hiddenSize: 8, numHiddenLayers: 1, numAttentionHeads: 2,
                                   intermediateSize: 16, maxPositionEmbeddings: 16, labels: ["no", "yes"])

    func folder(_ name: String, config: String) throws -> String {
        let folder = try TestEnvironment.temporaryFolder(name)
        try Data(config.utf8).write(to: folder.appendingPathComponent("config.json"))
        return folder.path
    }

    @Test func aHuggingFaceFolderLoadsAsBERTWithItsTokenizer() throws {
        let source = try TestEnvironment.temporaryFolder("model-folder-bert-source")
        try Data("[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n".utf8).write(to: source.appendingPathComponent("vocab.txt"))
        let target = try TestEnvironment.temporaryFolder("model-folder-bert").appendingPathComponent("model").path
        try ModelFolder.save(BertModel(config: Self.config, seed: 3), to: target, tokenizerDirectory: source.path)
        let loaded = try ModelFolder.load(target, host: PluginHost(options: .init(environment: [:], includeDefaultLocations: false)))
        #expect(loaded is BertModel)
        #expect(loaded.labels == ["no", "yes"])
        #expect(FileManager.default.contents(atPath: target + "/vocab.txt") == Data("[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n".utf8))
    }

    @Test func aSaveThatFailsPartWayLeavesThePreviousFolder() throws {
        let source = try TestEnvironment.temporaryFolder("model-folder-partial-source")
        try Data("[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n".utf8).write(to: source.appendingPathComponent("vocab.txt"))
        let parent = try TestEnvironment.temporaryFolder("model-folder-partial")
        let target = parent.appendingPathComponent("model").path
        try ModelFolder.save(BertModel(config: Self.config, seed: 3), to: target, tokenizerDirectory: source.path)
        let before = try Data(contentsOf: URL(fileURLWithPath: target + "/model.safetensors"))
        // The weights are written, then the vocabulary cannot be read (a folder): the save fails part-way.
        let unreadable = try TestEnvironment.temporaryFolder("model-folder-partial-unreadable")
        try FileManager.default.createDirectory(at: unreadable.appendingPathComponent("vocab.txt"), withIntermediateDirectories: true)
        #expect(throws: (any Error).self) {
            try ModelFolder.save(BertModel(config: Self.config, seed: 4), to: target, tokenizerDirectory: unreadable.path)
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: target + "/model.safetensors")) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: parent.path) == ["model"])
    }

    @Test func aFolderNamingAComponentNoPluginHasSaysWhichAndWhere() throws {
        let path = try folder("model-folder-unknown", config: #"{"bertslim_component": "no-such-student"}"#)
        let error = try #require(throws: ModelFolderError.self) { try ModelFolder.load(path, host: firstPartyHost()) }
        #expect(error.description.hasPrefix("\(path): written by the 'no-such-student' model of a plugin, which cannot be made here: "))
        #expect(error.description.contains("no-such-student"))
    }

    @Test(arguments: [("[1, 2]", "not a JSON object"), (#"{"bertslim_component": 3}"#, "bertslim_component must be a component name (a non-empty string)"),
                      (#"{"bertslim_component": ""}"#, "bertslim_component must be a component name (a non-empty string)")])
    func aMalformedConfigNamesTheFileAndTheReason(config: String, reason: String) throws {
        let path = try folder("model-folder-malformed-\(abs(config.hashValue))", config: config)
        let error = try #require(throws: ModelFolderError.self) { try ModelFolder.load(path) }
        #expect(error.description == "\(path)/config.json: \(reason)")
    }

    @Test func aMissingFolderSaysItIsNotAModelDirectory() throws {
        let error = try #require(throws: ModelFolderError.self) { try ModelFolder.load("/nonexistent/model") }
        #expect(error.description == "/nonexistent/model/config.json: no such file (is /nonexistent/model a model directory?)")
    }
}
