#+ title: Every OWL class is a sub-class of owl:Thing
#+ description: OWL 2 RL scm-cls, the part that is not trivia downstream: ?c a owl:Class ⊢ ?c rdfs:subClassOf owl:Thing (through the domain and range rules it gives "?p rdfs:domain owl:Thing", which owlrl keeps).
PREFIX rdf:  <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl:  <http://www.w3.org/2002/07/owl#>
INSERT { ?c rdfs:subClassOf owl:Thing }
WHERE {
  ?c rdf:type owl:Class .
  FILTER NOT EXISTS { ?c rdfs:subClassOf owl:Thing }
}
