/**
 * Words the data generator writes with: enough per language for full-text
 * search (with each language's stemming) to behave as on real coverage,
 * where a few words are everywhere and most are rare.
 */
export const words: Record<string, string[]> = {
  it: (
    'governo ministro presidente guerra pace negoziati trattativa accordo attacco missili droni esercito ' +
    'città regione confine frontiera cittadini vittime feriti soccorsi ospedale centrale energia elettrica ' +
    'delegazione incontro colloqui vertice dichiarazione portavoce agenzia fonti ufficiali sanzioni economia ' +
    'mercati prezzi gas petrolio inverno sirene allarme rifugio evacuazione civili bombardamento offensiva ' +
    'difesa aerea intercettati notte mattina giornata conferenza stampa parlamento elezioni opposizione ' +
    'alleati europei americani russi ucraini cessate fuoco tregua prigionieri scambio umanitario corridoio ' +
    'infrastrutture ponte porto aeroporto ferrovia treno autostrada neve pioggia blackout riscaldamento'
  ).split(' '),
  en: (
    'government minister president war peace talks negotiations agreement attack missiles drones army ' +
    'city region border citizens victims wounded rescuers hospital power plant electricity delegation ' +
    'meeting summit statement spokesman agency sources officials sanctions economy markets prices gas oil ' +
    'winter sirens alarm shelter evacuation civilians shelling offensive air defence intercepted night ' +
    'morning press conference parliament elections opposition allies european american ceasefire truce ' +
    'prisoners exchange humanitarian corridor infrastructure bridge port airport railway train motorway'
  ).split(' '),
  fr: (
    'gouvernement ministre président guerre paix négociations accord attaque missiles drones armée ville ' +
    'région frontière citoyens victimes blessés hôpital centrale électricité délégation rencontre sommet ' +
    'déclaration porte-parole agence sources sanctions économie marchés prix hiver sirènes alerte abri ' +
    'évacuation civils bombardement offensive défense nuit matin conférence parlement élections alliés'
  ).split(' '),
  de: (
    'Regierung Minister Präsident Krieg Frieden Verhandlungen Abkommen Angriff Raketen Drohnen Armee Stadt ' +
    'Region Grenze Bürger Opfer Verletzte Krankenhaus Kraftwerk Strom Delegation Treffen Gipfel Erklärung ' +
    'Sprecher Agentur Quellen Sanktionen Wirtschaft Märkte Preise Winter Sirenen Alarm Schutzraum ' +
    'Evakuierung Zivilisten Beschuss Offensive Luftabwehr Nacht Morgen Pressekonferenz Parlament Wahlen'
  ).split(' '),
  es: (
    'gobierno ministro presidente guerra paz negociaciones acuerdo ataque misiles drones ejército ciudad ' +
    'región frontera ciudadanos víctimas heridos hospital central electricidad delegación reunión cumbre ' +
    'declaración portavoz agencia fuentes sanciones economía mercados precios invierno sirenas alarma ' +
    'refugio evacuación civiles bombardeo ofensiva defensa noche mañana conferencia parlamento elecciones'
  ).split(' '),
};

export const firstNames = (
  'Anna Marco Giulia Luca Sofia Matteo Elena Paolo Chiara Andrea Olga Dmitrij Ivan Natalia Sergej Irina ' +
  'Volodymyr Oksana Taras Yulia John Mary Robert Linda James Sarah Michael Karen David Emma Pierre Claire ' +
  'Jean Marie Hans Greta Klaus Ingrid Carlos Lucía Javier Carmen Ahmed Fatima Yusuf Leila Kenji Yuki Wei Mei'
).split(' ');

export const lastNames = (
  'Rossi Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo Conti Ivanov Petrov Smirnov Sokolov Kuznetsov ' +
  'Popov Shevchenko Kovalenko Bondarenko Tkachenko Kravchenko Smith Johnson Williams Brown Jones Miller ' +
  'Davis Wilson Taylor Martin Bernard Dubois Durand Lefebvre Müller Schmidt Schneider Fischer Weber García ' +
  'Martínez López Sánchez Pérez Haddad Nasser Khalil Tanaka Suzuki Wang Li Zhang Chen Novak Horvat Kowalski'
).split(' ');

export const roles = [
  'portavoce del governo',
  'ministro degli Esteri',
  'sindaco',
  'capo negoziatore',
  'presidente',
  'comandante militare',
  'analista',
  'inviato speciale',
  'deputato',
  'governatore regionale',
];

export const sources = ['Ansa', 'Reuters', 'Tass', 'Ukrinform', 'Telegram', 'AP', 'AFP', 'Izvestia', 'BBC', null];
export const authors = ['Redazione', 'Desk esteri', 'Inviato a Kiev', 'Inviato a Mosca', 'Desk notte', 'Corrispondente a Washington'];
export const countryCodes = ['IT', 'UA', 'RU', 'US', 'FR', 'DE', 'ES', 'PL', 'GB', 'TR', 'IL', 'PS', 'LB', 'SY', 'IR', 'CN', 'JP', 'IN', 'BR', 'ZA'];
