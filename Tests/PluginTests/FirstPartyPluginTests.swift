import BertSlimHost
import CBertSlimPlugin
import Foundation
import Testing

/// A host that finds the first-party plugins beside the test binary, and nothing else.
func firstPartyHost() -> PluginHost {
    let host = PluginHost(options: .init(environment: [:], includeDefaultLocations: true))
    host.load()
    return host
}

/// A batch of `labels.count` one-token examples.
func batch(labels: [Int32]) -> Batch {
    let ids = IntTensor(shape: [labels.count, 1], scalars: labels.map { _ in 101 })
    return Batch(inputIDs: ids, attentionMask: IntTensor(repeating: 1, shape: ids.shape),
                 tokenTypeIDs: IntTensor(repeating: 0, shape: ids.shape), labels: IntTensor(shape: [labels.count], scalars: labels))
}

let studentLogits: [Float] = [0.5, -1.25, 2.0, 0.25, 1.5, -0.75]
let teacherLogits: [Float] = [1.0, -0.5, 1.0, 0.0, 2.5, -1.5]

@Suite("First-party plugins")
struct FirstPartyPluginTests {
    @Test func theSDKsCompileTimeBuildInfoMatchesTheHeaderAndTheLibrary() {
        let build = SDKBuildInfo.current
        #expect(build.abiMajor == UInt32(BERTSLIM_PLUGIN_ABI_MAJOR) && build.abiMinor == UInt32(BERTSLIM_PLUGIN_ABI_MINOR))
        #expect(build.sdkVersion == SDKVersion.string)
        #expect(MemoryLayout<bertslim_plugin_descriptor>.size == Int(BERTSLIM_PLUGIN_DESCRIPTOR_MIN_SIZE_1_0))
    }

    @Test func basicLossesIsFoundBesideTheExecutable() throws {
        let host = firstPartyHost()
        let plugin = try host.plugin(id: "org.bertslim.basic-losses")
        #expect(plugin.manifest.file == TestEnvironment.buildDirectory.appendingPathComponent("libBasicLosses.so").path)
        #expect(plugin.manifest.components.map(\.qualifiedName) == ["loss:mse-logits", "loss:cross-entropy"])
        #expect(plugin.manifest.buildID == "\(SDKBuildInfo.current.toolchain)+sdk-\(SDKVersion.string)")
    }

    @Test func mseLogitsGivesTheMeanSquaredGapAndItsGradient() throws {
        let loss = try firstPartyHost().make("mse-logits", as: (any Loss).self)
        let parameter = Parameter(Tensor(shape: [2, 3], scalars: studentLogits))
        let value = try loss(student: ModelOutput(logits: parameter.tensor),
                             teacher: ModelOutput(logits: Tensor(shape: [2, 3], scalars: teacherLogits)), batch: batch(labels: [0, 2]))
        let gaps = zip(studentLogits, teacherLogits).map { Double($0) - Double($1) }
        expectClose(value.item, gaps.map { $0 * $0 }.reduce(0, +) / 6)
        value.backward()
        let gradient = try #require(parameter.grad).scalars
        for (g, gap) in zip(gradient, gaps) { expectClose(g, 2 * gap / 6) }
    }

    @Test func mseLogitsBatchmeanDividesByTheBatchSize() throws {
        let loss = try firstPartyHost().make("mse-logits", as: (any Loss).self, config: .yaml("reduction: batchmean"))
        let value = try loss(student: ModelOutput(logits: Tensor(shape: [2, 3], scalars: studentLogits)),
                             teacher: ModelOutput(logits: Tensor(shape: [2, 3], scalars: teacherLogits)), batch: batch(labels: [0, 2]))
        let gaps: [Double] = zip(studentLogits, teacherLogits).map { Double($0) - Double($1) }
        expectClose(value.item, gaps.map { $0 * $0 }.reduce(0, +) / 2)
    }

    @Test(arguments: [0.0, 0.1] as [Float])
    func crossEntropyMatchesLogSoftmaxComputedInDouble(smoothing: Float) throws {
        let loss = try firstPartyHost().make("cross-entropy", as: (any Loss).self,
                                             config: .json(#"{"label_smoothing": \#(smoothing)}"#))
        #expect(!loss.needsTeacher)
        let labels: [Int32] = [2, 0]
        let value = try loss(student: ModelOutput(logits: Tensor(shape: [2, 3], scalars: studentLogits)), teacher: nil,
                             batch: batch(labels: labels))
        var expected = 0.0
        for row in 0..<2 {
            let z = studentLogits[row * 3..<row * 3 + 3].map(Double.init)
            let logSum = log(z.map { exp($0) }.reduce(0, +))
            for c in 0..<3 {
                let q = (c == Int(labels[row]) ? 1 - Double(smoothing) : 0) + Double(smoothing) / 3
                expected -= q * (z[c] - logSum) / 2
            }
        }
        expectClose(value.item, expected)
    }

    @Test func badSettingsNameTheKeyPathInTheRecipe() throws {
        let host = firstPartyHost()
        #expect {
            _ = try host.make("cross-entropy", as: (any Loss).self, config: .yaml("label_smoothing: 1.5", path: "stages[0].loss"))
        } throws: { String(describing: $0) == "stages[0].loss.label_smoothing: must be in [0, 1)" }
        #expect {
            _ = try host.make("mse-logits", as: (any Loss).self, config: .json(#"{"reductio": "mean"}"#, path: "stages[2].loss"))
        } throws: { String(describing: $0) == "stages[2].loss.reductio: unknown key (known: reduction)" }
        #expect {
            _ = try host.make("mse-logit", as: (any Loss).self)
        } throws: { String(describing: $0) == "no loss named \"mse-logit\" (known: cross-entropy, hinton-kd, mse-logits, pkd, tinybert)" }
    }

    /// A recipe-shaped document whose stages build their loss while being decoded.
    struct Recipe: Decodable {
        struct Stage: Decodable {
            enum Keys: String, CodingKey { case loss }
            enum LossKeys: String, CodingKey { case name, settings }
            static let host = CodingUserInfoKey(rawValue: "host")!
            let loss: any Loss

            init(from decoder: Decoder) throws {
                let block = try decoder.container(keyedBy: Keys.self).nestedContainer(keyedBy: LossKeys.self, forKey: .loss)
                guard let host = decoder.userInfo[Stage.host] as? PluginHost else { throw CocoaError(.coderInvalidValue) }
                loss = try host.make(try block.decode(String.self, forKey: .name), as: (any Loss).self,
                                     config: .decoder(try block.superDecoder(forKey: .settings)))
            }
        }
        let stages: [Stage]
    }

    @Test func aRecipeDecoderBuildsComponentsWithFullKeyPaths() throws {
        let decoder = JSONDecoder()
        decoder.userInfo[Recipe.Stage.host] = firstPartyHost()
        let good = #"{"stages": [{"loss": {"name": "mse-logits", "settings": {"reduction": "batchmean"}}}]}"#
        #expect(try decoder.decode(Recipe.self, from: Data(good.utf8)).stages.count == 1)
        let typo = #"{"stages": [{"loss": {"name": "cross-entropy"}}, {"loss": {"name": "mse-logits", "settings": {"reductio": "sum"}}}]}"#
        #expect {
            _ = try decoder.decode(Recipe.self, from: Data(typo.utf8))
        } throws: { String(describing: $0) == "stages[1].loss.settings.reductio: unknown key (known: reduction)" }
    }

    @Test func aLossMissingItsInputThrowsInsteadOfTrapping() throws {
        let loss = try firstPartyHost().make("mse-logits", as: (any Loss).self)
        #expect {
            _ = try loss(student: ModelOutput(logits: Tensor(shape: [2, 3], scalars: studentLogits)), teacher: nil, batch: batch(labels: [0, 1]))
        } throws: { String(describing: $0) == "mse-logits: needs the teacher's logits" }
    }

    @Test func listShowsIdVersionComponentsAndFile() throws {
        let build = TestEnvironment.buildDirectory.path
        let result = try runCommand(TestEnvironment.bertslim, ["plugins", "list", "--no-default-paths", "--plugin-path", build])
        // The mpi communicator is built where Open MPI's headers are (libopenmpi-dev); files in name order.
        let mpi = mpiAvailable ? "org.bertslim.mpi                  1.0.0    communicator:mpi                                              \(build)/libMPICommunicator.so\n" : ""
        #expect(result.output == """
            ID                                VERSION  COMPONENTS                                                    FILE
            org.bertslim.basic-losses         1.0.0    loss:mse-logits, loss:cross-entropy                           \(build)/libBasicLosses.so
            org.bertslim.bert-student         1.0.0    student:bert-student                                          \(build)/libBertStudent.so
            org.bertslim.bilstm-student       1.0.0    student:bilstm, model:bilstm                                  \(build)/libBiLSTMStudent.so
            org.bertslim.ensemble-teacher     1.0.0    teacher:ensemble                                              \(build)/libEnsembleTeacher.so
            org.bertslim.hinton-kd            1.0.0    loss:hinton-kd                                                \(build)/libHintonKD.so
            org.bertslim.kmeans               1.0.0    quantizer:kmeans, model:kmeans-lowbit                         \(build)/libKMeansQuant.so
            org.bertslim.lrp-heads            1.0.0    pruner:lrp-heads, pruner:concrete-gates, pruner:random-heads  \(build)/libLRPHeads.so
            org.bertslim.logistic-regression  1.0.0    student:logistic-regression, model:logistic-regression        \(build)/libLogisticRegressionStudent.so
            \(mpi)org.bertslim.magnitude-pruning    1.0.0    pruner:magnitude                                              \(build)/libMagnitudePruning.so
            org.bertslim.neuron-pruning       1.0.0    pruner:ffn-neurons                                            \(build)/libNeuronPruning.so
            org.bertslim.pkd                  1.0.0    loss:pkd                                                      \(build)/libPKD.so
            org.bertslim.q8bert               1.0.0    quantizer:q8bert, model:q8bert-int8                           \(build)/libQ8BERT.so
            org.bertslim.q-bert               1.0.0    quantizer:q-bert, model:q-bert-lowbit                         \(build)/libQBERT.so
            org.bertslim.sixteen-heads        1.0.0    pruner:sixteen-heads                                          \(build)/libSixteenHeads.so
            org.bertslim.tang-augmentation    1.0.0    augmenter:tang-rules                                          \(build)/libTangAugmentation.so
            org.bertslim.tinybert             1.0.0    loss:tinybert, augmenter:tinybert-augment                     \(build)/libTinyBERT.so

            """)
        #expect(result.errors.isEmpty)
    }

    @Test func inspectShowsTheDescriptorAndEachComponentsSettings() throws {
        let build = TestEnvironment.buildDirectory.path
        let result = try runCommand(TestEnvironment.bertslim, ["plugins", "inspect", "org.bertslim.basic-losses",
                                                               "--no-default-paths", "--plugin-path", build])
        #expect(result.output == """
            org.bertslim.basic-losses
              name:     Basic losses
              version:  1.0.0
              license:  Apache-2.0
              file:     \(build)/libBasicLosses.so
              sdk:      1.6.0 (this host: 1.6.0)
              build:    \(SDKBuildInfo.current.buildID)
              abi:      1.3, descriptor 96 bytes
              components:
                loss:mse-logits — mean squared error between student and teacher logits (Tang et al. 2019)
                  KEY        TYPE                     DEFAULT  DOC
                  reduction  one of: mean, batchmean  mean     mean over all elements, or squared distance averaged over the batch
                loss:cross-entropy — cross-entropy of the student's logits against the labels, optional label smoothing
                  KEY              TYPE   DEFAULT  DOC
                  label_smoothing  Float  0.0      ε in [0, 1): mass spread evenly over all classes

            """)
    }

    @Test func inspectOfAnUnknownIdFails() throws {
        let result = try runCommand(TestEnvironment.bertslim, ["plugins", "inspect", "org.nowhere", "--no-default-paths"], check: false)
        #expect(result.status != 0)
        #expect(result.errors.contains("Error: no plugin with id org.nowhere (loaded: none)"))
    }
}

@Suite("Plugin host API")
struct PluginHostAPITests {
    @Test func componentsAreListedByRoleWithoutBeingMade() throws {
        let host = firstPartyHost()
        #expect(host.components(of: .loss).map(\.name) == ["cross-entropy", "hinton-kd", "mse-logits", "pkd", "tinybert"])
        #expect(host.components(of: .teacher).map(\.name) == ["ensemble"])
        #expect(host.components(of: .student).map(\.name) == ["bert-student", "bilstm", "logistic-regression"])
        #expect(host.components(of: .model).map(\.name) == ["bilstm", "kmeans-lowbit", "logistic-regression", "q-bert-lowbit", "q8bert-int8"])
        #expect(host.components(of: .augmenter).map(\.name) == ["tang-rules", "tinybert-augment"])
        #expect(host.components(of: .pruner).map(\.name) == ["concrete-gates", "ffn-neurons", "lrp-heads", "magnitude", "random-heads", "sixteen-heads"])
        #expect(try host.factory(.loss, "cross-entropy").settings.map(\.key) == ["label_smoothing"])
    }

    @Test func askingForAComponentInTheWrongRoleFails() throws {
        let host = firstPartyHost()
        #expect {
            _ = try host.make("mse-logits", as: (any Pruner).self)
        } throws: { String(describing: $0) == "no pruner named \"mse-logits\" (known: concrete-gates, ffn-neurons, lrp-heads, magnitude, random-heads, sixteen-heads)" }
        #expect {
            _ = try host.make("mse-logits", as: String.self)
        } throws: { String(describing: $0) == "String is not a component role (Teacher, Student, Loss, Quantizer, Pruner or Augmenter)" }
    }

    @Test func theSearchPathPutsExplicitFoldersFirst() {
        let folders = PluginSearchPath.directories(explicit: ["/a:/b"], environment: ["BERTSLIM_PLUGIN_PATH": "/c::/a", "HOME": "/home/u"],
                                                   includeDefaults: true, executableDirectory: "/opt/bin")
        #expect(folders == ["/a", "/b", "/c", "/opt/bin", "/home/u/.local/lib/bertslim/plugins"])
    }
}
