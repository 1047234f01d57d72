// Every Communicator operation on the ranks of `mpirun`, against what a serial computation of
// the same values gives (Tests/PluginTests/DistributedTests.swift runs it under mpirun -np 2).
// Prints one line per operation, "ok" or what differs, and exits 1 if any differs.
import BertSlimHost
import BertSlimSDK
import Foundation

let host = PluginHost(options: .init(pluginPaths: [CommandLine.arguments.dropFirst().first ?? "."]))
_ = host.load()
let world: any Communicator
do {
    world = try host.installCommunicator(.mpi, timeoutSeconds: 60)
} catch {
    FileHandle.standardError.write(Data("collectives-check: \(error)\n".utf8))
    exit(2)
}
let (rank, size) = (world.rank, world.size)
var failures = 0
func check(_ name: String, _ ok: Bool, _ detail: @autoclosure () -> String) {
    if !ok { failures += 1 }
    print("rank \(rank) \(name): \(ok ? "ok" : "differs: \(detail())")")
}
/// Value i of rank r's buffer: distinct per rank and index, exact in Float.
func value(_ r: Int, _ i: Int) -> Float { Float((r + 1) * 1000 + i % 977) * 0.25 }

do {
    // A buffer larger than one bucket of the trainer's, and an odd length.
    for count in [1, 1_000_003] {
        var sum = (0..<count).map { value(rank, $0) }, mean = sum
        try world.allReduce(&sum, .sum)
        try world.allReduce(&mean, .mean)
        let serial = (0..<count).map { i in (0..<size).reduce(Float(0)) { $0 + value($1, i) } }
        let worstSum = zip(sum, serial).map { abs($0 - $1) }.max() ?? 0
        let worstMean = zip(mean, serial).map { abs($0 - $1 / Float(size)) }.max() ?? 0
        check("allreduce sum of \(count)", worstSum == 0, "largest difference \(worstSum)")
        check("allreduce mean of \(count)", worstMean <= 1e-6 * (serial.map(abs).max() ?? 1), "largest difference \(worstMean)")
    }
    // Broadcast from the last rank: every rank ends with its values.
    let root = size - 1
    var values = (0..<4097).map { value(rank, $0) }
    try values.withUnsafeMutableBytes { try world.broadcast($0, root: root) }
    check("broadcast from rank \(root)", values == (0..<4097).map { value(root, $0) }, "values are not rank \(root)'s")
    let bytes = try world.broadcast(bytes: rank == 0 ? Array("from rank 0".utf8) : [], root: 0)
    check("broadcast of bytes", bytes == Array("from rank 0".utf8), String(decoding: bytes, as: UTF8.self))
    // Gather of values of different lengths.
    let gathered = try world.allGather(Array(String(repeating: "r\(rank)", count: rank + 1).utf8))
    let expected = (0..<size).map { Array(String(repeating: "r\($0)", count: $0 + 1).utf8) }
    check("gather", gathered == expected, gathered.map { String(decoding: $0, as: UTF8.self) }.joined(separator: ","))
    try world.barrier()
    check("barrier", true, "")
} catch {
    print("rank \(rank): \(error)")
    exit(1)
}
exit(failures == 0 ? 0 : 1)
