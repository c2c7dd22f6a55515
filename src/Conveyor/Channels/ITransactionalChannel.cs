using Conveyor.UnitOfWork;

namespace Conveyor.Channels;

/// <summary>
/// A channel whose sends can be part of a unit of work's transaction, such as a database channel in the unit of work's
/// own database: the row it inserts commits or rolls back with the handler's writes. The transactional outbox hands
/// such a send straight to the channel — storing it in the outbox first would only add a relay hop to a guarantee the
/// channel already gives.
/// </summary>
public interface ITransactionalChannel
{
    /// <summary>Whether a send to this channel made while <paramref name="unitOfWork"/> is open is written in its transaction.</summary>
    /// <param name="unitOfWork">The unit of work of the message being handled.</param>
    /// <returns>True when the send commits with <paramref name="unitOfWork"/>.</returns>
    bool SendsIn(IUnitOfWork unitOfWork);
}
