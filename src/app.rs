//! The page: a header and, for now, the key inspector over the default layout.

use std::rc::Rc;

use slotscope_sim::Layout;
use yew::prelude::*;

use crate::components::key_inspector::KeyInspector;

/// The key the page opens with: the lesson's own example.
pub const START_KEY: &str = "user:1001";

#[function_component(App)]
pub fn app() -> Html {
    // The three-master cluster of `redis-cli --cluster create` on 7000-7002.
    // Later issues replace it with the live simulated cluster.
    let layout = use_memo((), |_| Layout::default());
    html! {
        <>
            <header class="masthead">
                <h1><span class="logo" aria-hidden="true"></span>{ "Slotscope" }</h1>
                <p class="tagline">{ "Redis Cluster, simulated faithfully and shown live." }</p>
            </header>
            <main>
                <KeyInspector layout={Rc::clone(&layout)} initial_key={START_KEY} />
            </main>
        </>
    }
}
