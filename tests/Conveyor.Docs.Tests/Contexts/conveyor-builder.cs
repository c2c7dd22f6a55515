// For a fragment that configures Conveyor: 'c', the builder inside builder.Services.AddConveyor(c => ...).
using Conveyor;

internal sealed partial class Snippets
{
    private readonly ConveyorBuilder c = null!;
}
