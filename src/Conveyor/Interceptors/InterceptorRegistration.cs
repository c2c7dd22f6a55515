namespace Conveyor.Interceptors;

/// <summary>An interceptor type, where it applies, and its order (lower runs first, outermost).</summary>
internal sealed record InterceptorRegistration(Type InterceptorType, Pointcut Pointcut, int Order);
