-- The news agencies credits name, as regular-expression alternatives: one list for every model.
-- Why: credit lines, captions and body credits ("(AFP)", "told Reuters") must know the same names,
-- so a name added here counts everywhere. Macros expand to constants: the patterns built from
-- them are still compiled once.

-- Agencies whose name in a credit line or a body ("(AFP)", "told Reuters", "/TASS") credits the
-- article's text to them.
create or replace temp macro text_agencies() as
    'AFP|Reuters|AP|Xinhua|TASS|Anadolu|dpa|EFE|ANSA|Kyodo|Yonhap|PTI|ANI|Bernama|IANS';

-- Every agency a credit line or a caption may name: the text agencies, Bloomberg (also a large
-- publisher, whose name on a page is mostly a link or a picture credit: as a text agency it
-- credited 8 of 10 naeb pages wrongly) and the picture agencies (EPA, Getty Images, AA), which
-- credit no text ("the Environmental Protection Agency (EPA)").
create or replace temp macro credit_agencies() as
    text_agencies() || '|Bloomberg|EPA|Getty Images|AA';
