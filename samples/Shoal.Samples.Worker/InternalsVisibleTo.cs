using System.Runtime.CompilerServices;

// The handler stays internal to the application; its tests (samples/Shoal.Samples.Tests) see it.
[assembly: InternalsVisibleTo("Shoal.Samples.Tests")]
