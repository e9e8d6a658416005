//! The banner over the stage: `cluster_state` as the observer reports it,
//! and why; and the notice that acting in the past started a new branch.

use yew::prelude::*;

use crate::view::cluster_state::StateBanner as Banner;

#[derive(Properties, PartialEq)]
pub struct StateBannerProps {
    pub banner: Banner,
    /// Acting in the past started a branch at this moment (ms).
    pub branch_at: Option<u64>,
    pub branches: usize,
    pub on_dismiss: Callback<()>,
    pub on_branch: Callback<()>,
}

#[function_component(StateBanner)]
pub fn state_banner(p: &StateBannerProps) -> Html {
    let b = &p.banner;
    html! {
        <>
            if !b.ok || !b.reasons.is_empty() {
                <div class={classes!("state-banner", (!b.ok).then_some("down"))} role="status">
                    <strong>{ if b.ok {
                        format!("cluster_state:ok as :{} sees it", b.observer_port)
                    } else {
                        format!("cluster_state:fail as :{} sees it — it refuses commands with CLUSTERDOWN.", b.observer_port)
                    } }</strong>
                    { for b.reasons.iter().map(|r| html! { <span class="reason">{ format!(" {r}") }</span> }) }
                </div>
            }
            if let Some(at) = p.branch_at {
                <div class="branch-notice" role="status">
                    { format!("You acted at {}: a new branch starts there. The future you had recorded is kept — ", crate::components::controls::clock(at)) }
                    if p.branches > 0 {
                        <button type="button" onclick={p.on_branch.reform(|_: MouseEvent| ())}>{ "go back to it" }</button>
                    }
                    <button type="button" class="dismiss" aria-label="Dismiss" onclick={p.on_dismiss.reform(|_: MouseEvent| ())}>{ "✕" }</button>
                </div>
            }
        </>
    }
}
