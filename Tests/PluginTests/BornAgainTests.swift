import BertSlimHost
import BertSlimSDK
import Foundation
import Testing

/// Born-again students: a `bert-student` of its teacher's size started from a pretrained
/// checkpoint (`initialization: pretrained`), and what `validate` checks about that folder.
@Suite("Born-again students", .serialized)
struct BornAgainTests {
    static let workspace = Result { () throws -> URL in
        let folder = try RecipeFixtures.workspace("born-again", train: 48, dev: 16, test: 16)
        try RecipeFixtures.teacherFolder("pretrained", in: folder, layers: 3, labels: [], seed: 41)
        try RecipeFixtures.teacherFolder("teacher", in: folder, layers: 3, seed: 42)
        try RecipeFixtures.teacherFolder("small-vocab", in: folder, layers: 3, labels: [], seed: 43, vocabulary: ["[PAD]", "[UNK]", "[CLS]", "[SEP]"])
        return folder
    }

    func values(_ model: any Model, _ name: String) throws -> [Float] { try #require(model.parameter(named: name)).value.scalars }

    @Test func aPretrainedStudentStartsFromTheCheckpointNotTheTeacher() throws {
        let folder = try Self.workspace.get()
        let teacher = try BertModel.load(directory: folder.appendingPathComponent("teacher").path)
        let pretrained = try BertModel.load(directory: folder.appendingPathComponent("pretrained").path)
        var context = ComponentContext(labelCount: 2, seed: 5, baseDirectory: folder.path)
        context.teacher = HeldTeacher(teacher)
        let student = try firstPartyHost().make("bert-student", as: (any Student).self,
                                                config: .yaml("{layers: 3, initialization: pretrained, pretrained: pretrained}"), context: context)
        #expect(student.parameterCount == teacher.parameterCount && student.labels == ["negative", "positive"])
        for layer in 0..<3 {
            for suffix in ["attention.self.query.weight", "intermediate.dense.weight"] {
                let name = "encoder.layer.\(layer).\(suffix)"
                #expect(try values(student, name) == values(pretrained, name) && values(student, name) != values(teacher, name))
            }
        }
        #expect(try values(student, "embeddings.word_embeddings.weight") == values(pretrained, "embeddings.word_embeddings.weight"))
        // The pretrained checkpoint has no head: the student's is new, not the teacher's.
        #expect(try values(student, "classifier.weight") != values(teacher, "classifier.weight"))
        #expect((student as? any HiddenStatesProvider)?.layerCount == 3)
    }

    /// A pretrained model of another vocabulary (MiniLM for an MPNet teacher): each of the
    /// teacher's tokens gets the pretrained row of the same token, special tokens by role.
    @Test func aPretrainedModelOfAnotherVocabularyIsMatchedTokenByToken() throws {
        let folder = try Self.workspace.get()
        let bertTokens = try String(contentsOf: folder.appendingPathComponent("model/vocab.txt"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        // The teacher reads MPNet's special tokens, in another order, plus one the pretrained model lacks.
        let roles = ["[CLS]": "<s>", "[SEP]": "</s>", "[PAD]": "<pad>", "[MASK]": "<mask>"]
        let teacherTokens = ["never-seen"] + bertTokens.reversed().map { roles[$0] ?? $0 }
        let teacherPath = try RecipeFixtures.teacherFolder("mpnet-tokens", in: folder, layers: 3, seed: 44, vocabulary: teacherTokens)
        let teacher = try BertModel.load(directory: teacherPath)
        let pretrained = try BertModel.load(directory: folder.appendingPathComponent("pretrained").path)
        var context = ComponentContext(labelCount: 2, seed: 5, baseDirectory: folder.path)
        context.teacher = HeldTeacher(teacher)
        context.tokenizer = try WordPieceTokenizer(vocabulary: Vocabulary(tokens: teacherTokens), specialTokens: .mpnet)
        let student = try firstPartyHost().make("bert-student", as: (any Student).self,
                                                config: .yaml("{layers: 2, initialization: pretrained, pretrained: pretrained}"), context: context)
        let name = "embeddings.word_embeddings.weight"
        let width = try #require(student.parameter(named: name)).shape[1]
        let mine = try values(student, name), theirs = try values(pretrained, name)
        func row(_ values: [Float], _ index: Int) -> ArraySlice<Float> { values[index * width..<(index + 1) * width] }
        for (id, token) in teacherTokens.enumerated().dropFirst() {
            let source = try #require(bertTokens.firstIndex(of: roles.first(where: { $0.value == token })?.key ?? token))
            #expect(row(mine, id) == row(theirs, source), "\(token)")
        }
        // A token the pretrained model lacks keeps its new row.
        #expect(!(0..<theirs.count / width).contains { row(theirs, $0) == row(mine, 0) })
        #expect(try values(student, "encoder.layer.1.output.dense.weight") == values(pretrained, "encoder.layer.1.output.dense.weight"))
        // The pretrained folder must hold most of the teacher's tokens.
        let error = #expect(throws: (any Error).self) {
            try firstPartyHost().make("bert-student", as: (any Student).self,
                                      config: .yaml("{initialization: pretrained, pretrained: small-vocab}"), context: context)
        }
        #expect("\(error.map { "\($0)" } ?? "")".hasSuffix("pretrained: small-vocab's vocabulary holds 4 of the teacher's \(teacherTokens.count) "
                                                         + "tokens (at least 90 % needed: the student reads the teacher's tokens)"))
    }

    func validationError(_ settings: String) throws -> RecipeError? {
        let yaml = """
            recipe: 1
            data: {train: train.tsv, dev: dev.tsv, test: test.tsv, max_length: 32}
            teacher: {model: teacher}
            stages:
              - distill:
                  student: {component: bert-student, settings: \(settings)}
                  losses: [{component: hinton-kd}]
            """
        let path = try RecipeFixtures.write(yaml, "born-\(UUID().uuidString.prefix(8)).yaml", in: try Self.workspace.get())
        do {
            try BertSlimHost.Recipe(contentsOf: path).validate(host: firstPartyHost())
            return nil
        } catch let error as RecipeError {
            return error
        }
    }

    @Test func validationChecksThePretrainedFolder() throws {
        #expect(try validationError("{layers: 3, initialization: pretrained, pretrained: pretrained}") == nil)
        let missing = try #require(try validationError("{initialization: pretrained}"))
        #expect(missing.path == "stages[0].distill.student.settings.pretrained"
                && "\(missing)".hasSuffix("initialization: pretrained needs a BERT folder to start from"))
        let unused = try #require(try validationError("{pretrained: pretrained}"))
        #expect("\(unused)".hasSuffix("pretrained: is read only with initialization: pretrained (it is teacher)"))
        let nowhere = try #require(try validationError("{initialization: pretrained, pretrained: nowhere}"))
        #expect(nowhere.path == "stages[0].distill.student.settings.pretrained" && "\(nowhere)".contains("nowhere/config.json"))
        let vocabulary = try #require(try validationError("{initialization: pretrained, pretrained: small-vocab}"))
        #expect("\(vocabulary)".hasSuffix("pretrained: small-vocab has 4 token embeddings, and the teacher (teacher) "
                                          + "\(try vocabularySize()): the student reads the teacher's tokens, so a pretrained model "
                                          + "of another vocabulary needs its vocab.txt and at least 90 % of the teacher's tokens"), "\(vocabulary)")
        let map = try #require(try validationError("{layers: 2, layer_map: [0, 3], initialization: pretrained, pretrained: pretrained}"))
        #expect("\(map)".hasSuffix("layer_map: entry 3 is not a layer of the pretrained model (pretrained has 3 layers, 0...2)"))
        let teacherMap = try #require(try validationError("{layers: 2, layer_map: [0, 5]}"))
        #expect("\(teacherMap)".hasSuffix("layer_map: entry 5 is not a layer of the teacher (teacher has 3 layers, 0...2)"))
    }

    func vocabularySize() throws -> Int {
        try BertConfig(path: try Self.workspace.get().appendingPathComponent("teacher/config.json").path).vocabSize
    }
}
