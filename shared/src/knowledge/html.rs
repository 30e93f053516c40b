//! An HTML page parsed into a tree no deeper than a bound. `htmd` converts the tree to markdown
//! recursively, and html5ever's scope checks cost time in proportion to the depth for every
//! element, so a page of a million nested elements would overflow any stack or run for minutes.
//! A scan of the tags cannot tell the depth: the parser ignores `/>` on most elements, ignores
//! stray end tags, and reopens formatting elements on its own. So the real parse builds the tree
//! (into `RcDom`, as `htmd` would), through a sink that measures each new node's depth; the input
//! goes in slices, and the parse stops at the slice where the tree first goes too deep. A last
//! walk measures the finished tree, since moving children (the adoption agency's) deepens them
//! without a new node.

use std::borrow::Cow;
use std::cell::Cell;
use std::rc::Rc;

use html5ever::interface::{ElementFlags, NodeOrText, QuirksMode, TreeSink};
use html5ever::tendril::{StrTendril, TendrilSink};
use html5ever::tree_builder::TreeBuilderOpts;
use html5ever::{Attribute, ExpandedName, ParseOpts, QualName, parse_document};
use markup5ever_rcdom::{Handle, Node, RcDom};

/// The input is parsed this many bytes at a time (at character boundaries): the most parsed
/// after the tree first goes too deep.
const SLICE_BYTES: usize = 16 * 1024;

/// The page's elements nest deeper than the bound allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooDeep {
    pub max_depth: usize,
}

/// `html`'s document tree, if no node in it is more than `max_depth` below the document.
/// Parsed as `htmd` parses (scripting on, so `noscript` is text).
pub fn parse_bounded(html: &str, max_depth: usize) -> Result<Rc<Node>, TooDeep> {
    let sink = DepthBounded {
        dom: RcDom::default(),
        max_depth,
        too_deep: Cell::new(false),
    };
    let opts = ParseOpts {
        tree_builder: TreeBuilderOpts {
            scripting_enabled: true,
            ..Default::default()
        },
        ..Default::default()
    };
    let mut parser = parse_document(sink, opts);
    let mut rest = html;
    while !rest.is_empty() {
        let mut end = rest.len().min(SLICE_BYTES);
        while !rest.is_char_boundary(end) {
            end += 1;
        }
        parser.process(StrTendril::from_slice(&rest[..end]));
        rest = &rest[end..];
        if parser.tokenizer.sink.sink.too_deep.get() {
            return Err(TooDeep { max_depth });
        }
    }
    let dom = parser.finish();
    if dom.too_deep.get() || deepest(&dom.dom.document, max_depth) > max_depth {
        return Err(TooDeep { max_depth });
    }
    Ok(dom.dom.document)
}

/// How far below `node` its deepest descendant is, counting up to just past `cap` (a walk with
/// its own stack: the tree may be deep).
fn deepest(node: &Handle, cap: usize) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(node.clone(), 0usize)];
    while let Some((n, depth)) = stack.pop() {
        deepest = deepest.max(depth);
        if deepest > cap {
            break;
        }
        stack.extend(n.children.borrow().iter().map(|c| (c.clone(), depth + 1)));
    }
    deepest
}

/// How far below the document `node` is, counting up to just past `cap`.
fn depth_of(node: &Handle, cap: usize) -> usize {
    let mut depth = 0;
    let mut parent = node.parent.take();
    node.parent.set(parent.clone());
    while let Some(up) = parent.and_then(|weak| weak.upgrade()) {
        depth += 1;
        if depth > cap {
            break;
        }
        parent = up.parent.take();
        up.parent.set(parent.clone());
    }
    depth
}

/// `RcDom`, noting when a node goes in deeper than `max_depth`.
struct DepthBounded {
    dom: RcDom,
    max_depth: usize,
    too_deep: Cell<bool>,
}

impl DepthBounded {
    /// A node put under `parent` is one deeper than it.
    fn placed_under(&self, parent: &Handle) {
        if depth_of(parent, self.max_depth) + 1 > self.max_depth {
            self.too_deep.set(true);
        }
    }
}

impl TreeSink for DepthBounded {
    type Handle = Handle;
    type Output = Self;
    type ElemName<'a> = ExpandedName<'a>;

    fn finish(self) -> Self {
        self
    }

    fn parse_error(&self, msg: Cow<'static, str>) {
        self.dom.parse_error(msg);
    }

    fn get_document(&self) -> Handle {
        self.dom.get_document()
    }

    fn elem_name<'a>(&'a self, target: &'a Handle) -> ExpandedName<'a> {
        self.dom.elem_name(target)
    }

    fn create_element(&self, name: QualName, attrs: Vec<Attribute>, flags: ElementFlags) -> Handle {
        self.dom.create_element(name, attrs, flags)
    }

    fn create_comment(&self, text: StrTendril) -> Handle {
        self.dom.create_comment(text)
    }

    fn create_pi(&self, target: StrTendril, data: StrTendril) -> Handle {
        self.dom.create_pi(target, data)
    }

    fn append(&self, parent: &Handle, child: NodeOrText<Handle>) {
        self.placed_under(parent);
        self.dom.append(parent, child);
    }

    fn append_based_on_parent_node(
        &self,
        element: &Handle,
        prev_element: &Handle,
        child: NodeOrText<Handle>,
    ) {
        // Under the element's parent or the previous element: the deeper of the two.
        self.placed_under(element);
        self.placed_under(prev_element);
        self.dom
            .append_based_on_parent_node(element, prev_element, child);
    }

    fn append_doctype_to_document(
        &self,
        name: StrTendril,
        public_id: StrTendril,
        system_id: StrTendril,
    ) {
        self.dom
            .append_doctype_to_document(name, public_id, system_id);
    }

    fn get_template_contents(&self, target: &Handle) -> Handle {
        self.dom.get_template_contents(target)
    }

    fn same_node(&self, x: &Handle, y: &Handle) -> bool {
        self.dom.same_node(x, y)
    }

    fn set_quirks_mode(&self, mode: QuirksMode) {
        self.dom.set_quirks_mode(mode);
    }

    fn append_before_sibling(&self, sibling: &Handle, new_node: NodeOrText<Handle>) {
        // Beside the sibling: as deep as it is.
        if depth_of(sibling, self.max_depth) > self.max_depth {
            self.too_deep.set(true);
        }
        self.dom.append_before_sibling(sibling, new_node);
    }

    fn add_attrs_if_missing(&self, target: &Handle, attrs: Vec<Attribute>) {
        self.dom.add_attrs_if_missing(target, attrs);
    }

    fn remove_from_parent(&self, target: &Handle) {
        self.dom.remove_from_parent(target);
    }

    fn reparent_children(&self, node: &Handle, new_parent: &Handle) {
        self.placed_under(new_parent);
        self.dom.reparent_children(node, new_parent);
    }

    fn is_mathml_annotation_xml_integration_point(&self, handle: &Handle) -> bool {
        self.dom.is_mathml_annotation_xml_integration_point(handle)
    }

    fn maybe_clone_an_option_into_selectedcontent(&self, option: &Handle) {
        self.dom.maybe_clone_an_option_into_selectedcontent(option);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth(html: &str) -> Result<usize, TooDeep> {
        parse_bounded(html, 512).map(|tree| deepest(&tree, usize::MAX))
    }

    #[test]
    fn an_ordinary_page_parses_to_its_depth() {
        // document > html > body > div > p > text
        assert_eq!(depth("<div><p>a<p>b<br>c</div>"), Ok(5));
        assert_eq!(depth("<ul><li>a<li>b</ul>"), Ok(5));
    }

    #[test]
    fn nesting_past_the_bound_is_refused_however_it_is_written() {
        let too_deep = Err(TooDeep { max_depth: 512 });
        // Plain nesting, and what a scan of the tags would have taken for flat: `/>` on an
        // element that is not void, stray end tags, an end tag a block element stops.
        for unit in ["<div>", "<div/>", "<div></x>", "<span><div></span>"] {
            assert_eq!(depth(&unit.repeat(600)), too_deep, "{unit}");
        }
        // Formatting elements the parser reopens inside each new block.
        let reopened: String = (0..600)
            .map(|i| format!("<div><b id={i}>x</div>"))
            .collect();
        assert_eq!(depth(&reopened), too_deep);
        // Within the bound, deep nesting is fine.
        assert!(depth(&format!("{}x{}", "<div>".repeat(500), "</div>".repeat(500))).is_ok());
    }

    #[test]
    fn a_huge_flat_page_is_not_deep() {
        let flat = "<p>a <b>b</b> c</p>".repeat(50_000);
        assert_eq!(depth(&flat), Ok(5));
        // Self-closed elements in SVG are closed (the parser honours `/>` there).
        let svg = format!("<svg>{}</svg>", "<path d='M0 0'/>".repeat(5_000));
        assert_eq!(depth(&svg), Ok(4));
    }
}
