using System.Reflection;
using Conveyor.Handlers;
using Conveyor.Runtime;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Orchestration;

/// <summary>The start-up checks of orchestrators. Each error says what is wrong and how to fix it.</summary>
internal static class OrchestrationValidation
{
    private static readonly Type[] SlipTypes = [typeof(string[]), typeof(IEnumerable<string>), typeof(IReadOnlyList<string>), typeof(IReadOnlyCollection<string>), typeof(List<string>), typeof(IList<string>)];

    /// <summary>What can be checked before the container runs anything: return types, output channels, payloads.</summary>
    public static void Validate(IEnumerable<HandlerDescriptor> descriptors, HashSet<string> channels, List<string> errors)
    {
        foreach (var descriptor in descriptors.Where(d => d.HandlerAttribute is OrchestratorAttribute))
        {
            var id = descriptor.Info.EndpointId;
            if (!SlipTypes.Contains(Unwrapped(descriptor.Method.ReturnType)))
            {
                errors.Add($"{id}: an [Orchestrator] method returns the routing slip, the names of its steps: string[] or IEnumerable<string> (or a Task of either), not {descriptor.Method.ReturnType.Name}.");
            }

            if (descriptor.OutputChannel is not null)
            {
                errors.Add($"{id}: an orchestrator's flow ends with its last step, so it has no OutputChannel. Put OutputChannel = \"{descriptor.OutputChannel}\" on the last step's [InternalHandler], or add the channel as a step.");
            }

            if (channels.Contains(descriptor.Info.Channel!) && descriptor.PayloadBinding is null)
            {
                errors.Add($"{id}: the orchestrator is reached through the registered channel '{descriptor.Info.Channel}', so the flow's input arrives as its message: give the method the payload parameter, e.g. Plan(StartLeadMatching command).");
            }
        }
    }

    /// <summary>
    /// Calls each orchestrator method that takes no parameters — its slip cannot depend on the message — and checks
    /// that every step it names exists, so that a typo fails the start rather than a flow. Runs once the container is
    /// built, when handlers can be resolved.
    /// </summary>
    /// <exception cref="ConveyorConfigurationException">A fixed slip names an unknown step; the message lists each.</exception>
    public static void CheckFixedSlips(ConveyorRuntime runtime)
    {
        var errors = new List<string>();
        foreach (var endpoint in runtime.Endpoints.Values.Where(HasFixedSlip))
        {
            var runner = endpoint.RootServices.GetRequiredService<RoutingSlipRunner>();
            var steps = runner.StepNames.ToHashSet(StringComparer.Ordinal);
            foreach (var step in FixedSlip(endpoint).Where(s => !steps.Contains(s)))
            {
                errors.Add($"{endpoint.Id}: the routing slip names the step '{step}', but no [InternalHandler(\"{step}\")] method exists.{NameSuggestions.DidYouMean(step, steps)} Add the step, or fix its name in the slip.");
            }
        }

        if (errors.Count > 0)
        {
            throw new ConveyorConfigurationException(
                "Conveyor's configuration is invalid:" + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => "  - " + e)));
        }
    }

    /// <summary>Whether the orchestrator takes no parameters, so that its slip cannot depend on the message.</summary>
    public static bool HasFixedSlip(RuntimeEndpoint endpoint) =>
        RoutingSlipRunner.IsOrchestrator(endpoint) && endpoint.Descriptor.Method.GetParameters().Length == 0;

    /// <summary>Calls an orchestrator without parameters (<see cref="HasFixedSlip"/>) for its slip.</summary>
    /// <exception cref="ConveyorConfigurationException">The orchestrator threw.</exception>
    // Start-up and 'conveyor list' only: reflection here runs once per orchestrator, never per message.
    public static IReadOnlyList<string> FixedSlip(RuntimeEndpoint endpoint)
    {
        var method = endpoint.Descriptor.Method;
        using var scope = endpoint.RootServices.CreateScope();
        var instance = method.IsStatic ? null : scope.ServiceProvider.GetRequiredService(endpoint.Info.HandlerType);
        object? result;
        try
        {
            result = method.Invoke(instance, null);
            if (result is Task task)
            {
                task.GetAwaiter().GetResult();
                result = task.GetType().GetProperty(nameof(Task<object>.Result))?.GetValue(task);
            }
            else if (result is not null && result.GetType() is { IsGenericType: true } type && type.GetGenericTypeDefinition() == typeof(ValueTask<>))
            {
                var asTask = (Task)type.GetMethod(nameof(ValueTask<object>.AsTask))!.Invoke(result, null)!;
                asTask.GetAwaiter().GetResult();
                result = asTask.GetType().GetProperty(nameof(Task<object>.Result))?.GetValue(asTask);
            }
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw new ConveyorConfigurationException($"{endpoint.Id}: the orchestrator takes no parameters, so its slip is checked at start-up, and calling it threw {e.InnerException.GetType().Name}: {e.InnerException.Message}");
        }

        return new OrchestratorResultStep(endpoint.Info.Channel!).Slip(result);
    }

    private static Type Unwrapped(Type type) =>
        type.IsGenericType && (type.GetGenericTypeDefinition() == typeof(Task<>) || type.GetGenericTypeDefinition() == typeof(ValueTask<>))
            ? type.GetGenericArguments()[0]
            : type;
}
