// Lays out an object's fields in the sections the pack's form declares (uiSchema
// `ui:sections: [{title, description, columns, fields}]`); fields in none come last.
import type { ObjectFieldTemplateProps } from "@rjsf/utils";

interface Section { title?: string | null; description?: string | null; columns?: number; fields: string[] }

export function SectionsTemplate(props: ObjectFieldTemplateProps) {
  const sections = (props.uiSchema?.["ui:sections"] as Section[] | undefined) ?? [];
  const byName = new Map(props.properties.map((p) => [p.name, p]));
  const placed = new Set(sections.flatMap((s) => s.fields));
  const rest = props.properties.filter((p) => !placed.has(p.name));
  return (
    <div className="form-sections">
      {sections.map((section, index) => {
        const members = section.fields.map((f) => byName.get(f)).filter((p) => p && !p.hidden);
        if (!members.length) return null;
        return (
          <fieldset key={index} className={`section cols-${section.columns ?? 1}`}>
            {section.title && <legend>{section.title}</legend>}
            {section.description && <p className="muted">{section.description}</p>}
            <div className="grid">{members.map((p) => <div key={p!.name}>{p!.content}</div>)}</div>
          </fieldset>
        );
      })}
      {rest.length > 0 && <div className="grid">{rest.map((p) => <div key={p.name}>{p.content}</div>)}</div>}
    </div>
  );
}
