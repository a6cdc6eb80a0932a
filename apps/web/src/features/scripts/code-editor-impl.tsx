import { python } from '@codemirror/lang-python';
import { bracketMatching, HighlightStyle, indentOnInput, StreamLanguage, syntaxHighlighting } from '@codemirror/language';
import { powerShell } from '@codemirror/legacy-modes/mode/powershell';
import { shell } from '@codemirror/legacy-modes/mode/shell';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { Annotation, Compartment, EditorState, Transaction } from '@codemirror/state';
import type { Extension } from '@codemirror/state';
import {
  drawSelection,
  EditorView,
  highlightActiveLine,
  highlightActiveLineGutter,
  highlightSpecialChars,
  keymap,
  lineNumbers,
} from '@codemirror/view';
import { tags } from '@lezer/highlight';
import { useEffect, useRef } from 'react';
import type { CodeEditorProps } from './code-editor';

/*
 * CodeMirror 6 for script bodies. The editor lives in a shadow root: there
 * CodeMirror's styles go into a constructed style sheet, which the server's
 * CSP (style-src 'self', no inline <style>) allows. Colours come from the
 * app's CSS variables, which inherit into the shadow root, so both themes work.
 */

function languageExtension(language: string): Extension {
  switch (language) {
    case 'python':
      return python();
    case 'powershell':
      return StreamLanguage.define(powerShell);
    case 'bash':
    case 'sh':
      return StreamLanguage.define(shell);
    default:
      return [];
  }
}

const highlight = HighlightStyle.define([
  { tag: [tags.keyword, tags.controlKeyword, tags.operatorKeyword, tags.definitionKeyword], color: 'var(--code-keyword)' },
  { tag: [tags.string, tags.special(tags.string), tags.regexp], color: 'var(--code-string)' },
  { tag: [tags.comment, tags.lineComment, tags.blockComment], color: 'var(--code-comment)', fontStyle: 'italic' },
  { tag: [tags.number, tags.bool, tags.null, tags.atom], color: 'var(--code-number)' },
  { tag: [tags.variableName, tags.special(tags.variableName)], color: 'var(--code-variable)' },
  { tag: [tags.function(tags.variableName), tags.standard(tags.variableName)], color: 'var(--code-function)' },
  { tag: [tags.definition(tags.variableName), tags.className, tags.typeName], color: 'var(--code-type)' },
  { tag: [tags.operator, tags.punctuation, tags.bracket], color: 'var(--code-punctuation)' },
  { tag: [tags.meta, tags.processingInstruction], color: 'var(--code-comment)' },
]);

const theme = EditorView.theme({
  '&': {
    color: 'var(--foreground)',
    backgroundColor: 'var(--background)',
    fontSize: '12.5px',
    height: '100%',
    border: '1px solid var(--input)',
    borderRadius: '6px',
  },
  '&.cm-focused': { outline: '2px solid color-mix(in srgb, var(--ring) 40%, transparent)', borderColor: 'var(--ring)' },
  '.cm-scroller': {
    fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace',
    lineHeight: '1.55',
    overflow: 'auto',
  },
  '.cm-content': { caretColor: 'var(--foreground)', padding: '8px 0' },
  '.cm-cursor, .cm-dropCursor': { borderLeftColor: 'var(--foreground)' },
  '&.cm-focused .cm-selectionBackground, .cm-selectionBackground, ::selection': {
    backgroundColor: 'color-mix(in srgb, var(--link) 28%, transparent) !important',
  },
  '.cm-gutters': {
    backgroundColor: 'var(--muted)',
    color: 'var(--muted-foreground)',
    borderRight: '1px solid var(--border)',
    borderTopLeftRadius: '6px',
    borderBottomLeftRadius: '6px',
  },
  '.cm-activeLine': { backgroundColor: 'color-mix(in srgb, var(--hover) 60%, transparent)' },
  '.cm-activeLineGutter': { backgroundColor: 'var(--hover)', color: 'var(--foreground)' },
  '&.cm-focused .cm-matchingBracket': { backgroundColor: 'color-mix(in srgb, var(--link) 25%, transparent)' },
});

// Text set from outside (loading a version) is not an edit to undo or report.
const external = Annotation.define<boolean>();

/** Two spaces at the cursor; Tab itself keeps moving focus (Escape, then Tab, leaves the editor). */
function insertIndent(view: EditorView): boolean {
  if (view.state.readOnly) return false;
  view.dispatch(view.state.replaceSelection('  '));
  return true;
}

const keys = keymap.of([{ key: 'Mod-]', run: insertIndent }, ...historyKeymap, ...defaultKeymap]);

export default function CodeEditorImpl({ value, onChange, language, readOnly = false, label, minHeight = 320 }: CodeEditorProps) {
  const hostRef = useRef<HTMLDivElement>(null);
  const viewRef = useRef<EditorView | null>(null);
  const languageSlot = useRef(new Compartment());
  const readOnlySlot = useRef(new Compartment());
  const onChangeRef = useRef(onChange);

  useEffect(() => {
    onChangeRef.current = onChange;
  }, [onChange]);

  // Created once; later prop changes are dispatched into it below.
  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    const root = host.shadowRoot ?? host.attachShadow({ mode: 'open' });
    const container = document.createElement('div');
    container.style.height = '100%';
    root.appendChild(container);
    const view = new EditorView({
      root,
      parent: container,
      state: EditorState.create({
        doc: value,
        extensions: [
          lineNumbers(),
          highlightActiveLineGutter(),
          highlightSpecialChars(),
          drawSelection(),
          indentOnInput(),
          bracketMatching(),
          highlightActiveLine(),
          history(),
          keys,
          syntaxHighlighting(highlight),
          theme,
          EditorView.theme({ '&': { minHeight: `${minHeight}px`, maxHeight: '70vh' } }),
          EditorView.lineWrapping,
          languageSlot.current.of(languageExtension(language)),
          readOnlySlot.current.of([EditorState.readOnly.of(readOnly), EditorView.editable.of(!readOnly)]),
          EditorView.contentAttributes.of({ 'aria-label': label, 'aria-multiline': 'true', spellcheck: 'false' }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged && !update.transactions.some((t) => t.annotation(external))) {
              onChangeRef.current?.(update.state.doc.toString());
            }
          }),
        ],
      }),
    });
    viewRef.current = view;
    return () => {
      view.destroy();
      container.remove();
      viewRef.current = null;
    };
    // The initial props only: the effects below keep the editor in step.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    const view = viewRef.current;
    if (!view || view.state.doc.toString() === value) return;
    view.dispatch({
      changes: { from: 0, to: view.state.doc.length, insert: value },
      annotations: [external.of(true), Transaction.addToHistory.of(false)],
    });
  }, [value]);

  useEffect(() => {
    viewRef.current?.dispatch({ effects: languageSlot.current.reconfigure(languageExtension(language)) });
  }, [language]);

  useEffect(() => {
    viewRef.current?.dispatch({
      effects: readOnlySlot.current.reconfigure([EditorState.readOnly.of(readOnly), EditorView.editable.of(!readOnly)]),
    });
  }, [readOnly]);

  return <div ref={hostRef} data-testid="code-editor" />;
}
