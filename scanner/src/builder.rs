//! `setters!`: the builder methods that store their argument unchanged
//! (`opts.threads(2)` sets `threads` to 2 and returns the builder), written
//! once for [`ScanOptions`](crate::ScanOptions) and the pool. Each method
//! keeps its own documentation and runnable example; the ones that check or
//! convert their argument are written out.

/// `name(arg: Type);` becomes
/// `pub fn name(mut self, arg: Type) -> Self { self.name = arg; self }`,
/// with the attributes (documentation) written above it.
macro_rules! setters {
    ($( $(#[$attr:meta])* $name:ident($arg:ident: $ty:ty); )*) => {$(
        $(#[$attr])*
        pub fn $name(mut self, $arg: $ty) -> Self {
            self.$name = $arg;
            self
        }
    )*};
}
