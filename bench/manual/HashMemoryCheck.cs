#:project ../../src/Mirra/Mirra.csproj
#:property Configuration=Release
#:property PublishAot=false
#:property ServerGarbageCollection=false
#:property ConcurrentGarbageCollection=false
// A hand-run memory check, not a test: `dotnet run bench/manual/HashMemoryCheck.cs [count]`.
// Builds COUNT (default 1,000,000) three-field hashes shaped like the benchmark's
// `HSET key:<i> nombre <name> apellido <surname> email <email>` and prints the managed bytes
// per hash: the HashValue alone, and with the keyspace entry and key a database would add.
using System.Text;
using Mirra.Storage;
using Mirra.Storage.Types;

int count = args.Length > 0 ? int.Parse(args[0]) : 1_000_000;
string[] names = { "Maria", "Jose", "Antonio", "Carmen", "Francisco", "Lucia", "Manuel", "Isabel", "David", "Ana" };
string[] surnames = { "Garcia", "Rodriguez", "Gonzalez", "Fernandez", "Lopez", "Martinez", "Sanchez", "Perez", "Gomez", "Martin" };
byte[] f1 = "nombre"u8.ToArray(), f2 = "apellido"u8.ToArray(), f3 = "email"u8.ToArray();

static long Measure() { GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect(); return GC.GetTotalMemory(true); }

var values = new HashValue[count];
long before = Measure();
for (int i = 0; i < count; i++)
{
    var name = Encoding.ASCII.GetBytes(names[i % names.Length]);
    var surname = Encoding.ASCII.GetBytes(surnames[(i / 10) % surnames.Length]);
    var email = Encoding.ASCII.GetBytes($"{names[i % names.Length].ToLowerInvariant()}.{surnames[(i / 10) % surnames.Length].ToLowerInvariant()}{i}@example.com");
    var h = new HashValue();
    // What HSET does for a new key: one exact reservation for all pairs, then the three sets.
    h.ReserveCompact(HashValue.EncodedPairSize(f1.Length, name.Length) + HashValue.EncodedPairSize(f2.Length, surname.Length) + HashValue.EncodedPairSize(f3.Length, email.Length));
    h.Set(f1, name, 128, 64);
    h.Set(f2, surname, 128, 64);
    h.Set(f3, email, 128, 64);
    values[i] = h;
}
long hashes = Measure() - before;

var keyspace = new Keyspace(1);
before = Measure();
for (int i = 0; i < count; i++) keyspace[0].Add(Encoding.ASCII.GetBytes($"key:{i}"), values[i]);
long keys = Measure() - before;
GC.KeepAlive(values);

Console.WriteLine($"{count:N0} hashes");
Console.WriteLine($"HashValue + its array:             {hashes / (double)count:F1} bytes per hash");
Console.WriteLine($"key entry + key bytes + bucket:    {keys / (double)count:F1} bytes per key");
Console.WriteLine($"total managed:                     {(hashes + keys) / (double)count:F1} bytes per key");
Console.WriteLine($"process working set:               {Environment.WorkingSet / (double)count:F1} bytes per key (includes the runtime)");
