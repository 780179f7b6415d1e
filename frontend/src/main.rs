//! The browser entry point: mounts the app on the page Trunk built.

fn main() {
    console_error_panic_hook::set_once();
    pulse_app::mount();
}
